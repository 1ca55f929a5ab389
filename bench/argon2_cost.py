"""How much an Argon2id password check costs on this machine, for a few parameter sets.

Run: .venv/bin/python bench/argon2_cost.py [--rounds 20] [--processes 2]

For each set it times hash and verify with argon2-cffi directly (what Django's Argon2 hasher calls),
first in one process (latency: what one login waits), then with N processes verifying at once (the
machine-wide number of password logins per second once every core is busy). A SHA-256 throughput
figure is measured in the same run as a reference, so results from different machines compare.
The load average is printed before and after: other work on the box skews every number.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from argon2 import PasswordHasher, Type

PASSWORD = "correct horse battery staple on a quiet tuesday"


@dataclass(frozen=True)
class Params:
    name: str
    time_cost: int
    memory_kib: int
    parallelism: int

    def hasher(self) -> PasswordHasher:
        return PasswordHasher(
            time_cost=self.time_cost,
            memory_cost=self.memory_kib,
            parallelism=self.parallelism,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )


PARAMS = [
    Params("Django default", 2, 102400, 8),
    Params("OWASP minimum", 2, 19456, 1),
    Params("OWASP m=46 MiB, t=1", 1, 47104, 1),
    Params("Sellsafe default", 2, 47104, 1),
    Params("m=32 MiB, t=2", 2, 32768, 1),
    Params("m=64 MiB, t=2", 2, 65536, 1),
]


def _verify_loop(args: tuple[Params, str, int]) -> tuple[float, int]:
    params, encoded, count = args
    hasher = params.hasher()
    started = time.perf_counter()
    for _ in range(count):
        hasher.verify(encoded, PASSWORD)
    return time.perf_counter() - started, count


@dataclass(frozen=True)
class Single:
    hash_ms: float  # median wall time of one hash
    verify_ms: float  # median wall time of one verify
    verify_best_ms: float  # fastest verify: the cost on an otherwise idle machine
    verify_cpu_ms: float  # CPU time of one verify (all threads), barely affected by other load
    encoded: str


def single(params: Params, rounds: int) -> Single:
    hasher = params.hasher()
    hasher.verify(hasher.hash(PASSWORD), PASSWORD)  # warm up
    hash_ms, verify_ms = [], []
    encoded = ""
    for _ in range(rounds):
        started = time.perf_counter()
        encoded = hasher.hash(PASSWORD)
        hash_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        hasher.verify(encoded, PASSWORD)
        verify_ms.append((time.perf_counter() - started) * 1000)
    cpu_started = time.process_time()
    for _ in range(rounds):
        hasher.verify(encoded, PASSWORD)
    cpu_ms = (time.process_time() - cpu_started) * 1000 / rounds
    return Single(
        statistics.median(hash_ms), statistics.median(verify_ms), min(verify_ms), cpu_ms, encoded
    )


def parallel(params: Params, encoded: str, processes: int, per_process: int) -> float:
    """Verifications per second with `processes` processes verifying at the same time."""
    with ProcessPoolExecutor(max_workers=processes) as pool:
        list(pool.map(_verify_loop, [(params, encoded, 1)] * processes))  # start the workers
        started = time.perf_counter()
        results = list(pool.map(_verify_loop, [(params, encoded, per_process)] * processes))
        wall = time.perf_counter() - started
    return sum(count for _, count in results) / wall


def sha256_reference(megabytes: int = 256) -> float:
    block = b"\0" * (1 << 20)
    digest = hashlib.sha256()
    started = time.perf_counter()
    for _ in range(megabytes):
        digest.update(block)
    return megabytes / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="timed hashes/verifies per set")
    parser.add_argument("--processes", type=int, default=2, help="parallel verifying processes")
    args = parser.parse_args()

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print(f"python {platform.python_version()}, load average before: {os.getloadavg()}")
    print(f"reference: SHA-256 {sha256_reference():.0f} MB/s (one core)\n")
    cores = os.cpu_count() or 1
    header = (
        f"{'parameters':<20} {'t':>2} {'MiB':>4} {'p':>2} {'hash ms':>8} {'verify ms':>9} "
        f"{'best ms':>8} {'cpu ms':>7} {'verifies/s':>10} {f'{args.processes} procs/s':>11} "
        f"{'cpu bound/s':>11}"
    )
    print(header)
    print("-" * len(header))
    for params in PARAMS:
        one = single(params, args.rounds)
        per_process = max(args.rounds // 2, 5)
        machine = parallel(params, one.encoded, args.processes, per_process)
        print(
            f"{params.name:<20} {params.time_cost:>2} {params.memory_kib // 1024:>4} "
            f"{params.parallelism:>2} {one.hash_ms:>8.1f} {one.verify_ms:>9.1f} "
            f"{one.verify_best_ms:>8.1f} {one.verify_cpu_ms:>7.1f} {1000 / one.verify_ms:>10.1f} "
            f"{machine:>11.1f} {cores * 1000 / one.verify_cpu_ms:>11.1f}"
        )
    print(
        "\nverify ms: median wall time in one process; best ms: fastest of the rounds; cpu ms: CPU"
        " time per verify (all threads);\nverifies/s: 1000 / verify ms; procs/s: measured with"
        f" {args.processes} processes verifying at once;"
        f" cpu bound/s: {cores} cores x 1000 / cpu ms."
    )
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
