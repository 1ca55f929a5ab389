"""Password sign-ins per second through the real HTTP stack, against the Argon2id ceiling.

Run: .venv/bin/python bench/login_throughput.py [--users 200] [--sign-ins 400] [--seconds 60]
         [--clients 8] [--workers 2] [--processes 2] [--output bench/results/login_throughput.json]

Sets up a throwaway data dir (SQLite, or the database in DATABASE_URL), creates verified users with
a TOTP authenticator, serves the app with gunicorn on a free loopback port, and lets a bounded number
of client threads sign in: GET /accounts/login/, then POST the password, which must answer 302 to
/accounts/2fa/authenticate/ (one Argon2id verification). Rate limits stay on: every user has its
own X-Forwarded-For address and signs in at most a few times.

The reference is Argon2id verifications per second of a hash the app stored, with argon2-cffi
directly in --processes processes (bench/argon2_cost.py): the ceiling for password sign-ins on this
machine. It is measured in the same run, in slices of about two seconds before, between and after
--rounds slices of the load (gunicorn idle meanwhile), so that drift on the machine hits both.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from argon2_cost import PASSWORD, Params, Single, parallel, single

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "login_throughput.json"
LOGIN_PATH = "/accounts/login/"
MFA_PATH = "/accounts/2fa/authenticate/"
CSRF_COOKIE = "sellsafe_csrf"
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken"\s+value="([^"]+)"')
USER_AGENT = "sellsafe-bench/1 (login_throughput)"
WARMUP_SIGN_INS = 4
MAX_SIGN_INS_PER_USER = 10  # allauth allows 30 sign-ins a minute per address: stay well below
NOISY_OTHER_CPU = 0.05  # other work above this share of the machine during the load skews the run
NOISY_REFERENCE_DRIFT = 0.2  # and so does a reference whose slices spread more than this


# --- Setup: data dir, database, users --------------------------------------------------------------


def app_env(data_dir: Path) -> dict[str, str]:
    """The environment for every `sellsafe` and gunicorn process of this run."""
    env = dict(os.environ)
    env.update(
        SELLSAFE_ENV="development",
        SELLSAFE_DATA_DIR=str(data_dir),
        SELLSAFE_TRUSTED_PROXY_COUNT="1",
        DJANGO_SETTINGS_MODULE="sellsafe.settings",
    )
    return env


def email_of(prefix: str, index: int) -> str:
    return f"{prefix}-{index:05d}@bench.example.com"


def address_of(index: int) -> str:
    """A distinct loopback address per user, presented as X-Forwarded-For."""
    return f"127.1.{index // 250}.{index % 250 + 1}"


def create_users(count: int, prefix: str) -> None:
    """Runs in a child process with the app's environment; prints the cost the app uses as JSON."""
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.conf import settings
    from django.db import transaction

    from sellsafe.accounts.models import User

    password = ""
    with transaction.atomic():
        for index in range(count):
            email = email_of(prefix, index)
            user = User.objects.create_user(email, PASSWORD)
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            TOTP.activate(user, generate_totp_secret())
            RecoveryCodes.activate(user)
            password = user.password
    cost = {
        "time_cost": settings.SELLSAFE_ARGON2_TIME_COST,
        "memory_kib": settings.SELLSAFE_ARGON2_MEMORY_KIB,
        "parallelism": settings.SELLSAFE_ARGON2_PARALLELISM,
        "stored_hash": password,
        "rate_limits": settings.ACCOUNT_RATE_LIMITS,  # on: the benchmark spreads the load instead
    }
    print(json.dumps(cost))


def prepare(data_dir: Path, users: int, prefix: str) -> dict[str, Any]:
    env = app_env(data_dir)
    quiet: dict[str, Any] = dict(env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    subprocess.run([str(BIN / "sellsafe"), "migrate", "--noinput"], **quiet)
    subprocess.run([str(BIN / "sellsafe"), "createcachetable"], **quiet)
    command = [sys.executable, __file__, "--create-users", str(users), "--prefix", prefix]
    done = subprocess.run(command, **quiet)
    cost: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return cost


def params_from(cost: dict[str, Any]) -> tuple[Params, str]:
    """The app's Argon2 parameters, and its stored hash in argon2-cffi's format (checked equal)."""
    params = Params("app", cost["time_cost"], cost["memory_kib"], cost["parallelism"])
    algorithm, _, encoded = cost["stored_hash"].partition("$")
    stored = f"m={params.memory_kib},t={params.time_cost},p={params.parallelism}"
    if algorithm != "argon2" or f"${stored}$" not in encoded:
        raise RuntimeError(f"stored hash does not use the configured cost ({stored})")
    return params, "$" + encoded


# --- The app server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(data_dir: Path, port: int, workers: int) -> Iterator[subprocess.Popen[bytes]]:
    command = [
        str(BIN / "gunicorn"),
        "sellsafe.wsgi:application",
        f"--workers={workers}",
        f"--bind=127.0.0.1:{port}",
    ]
    log_path = data_dir / "gunicorn.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            command,
            env=app_env(data_dir),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_serving(server, port, log_path)
        yield server
    finally:
        stop(server)


def wait_until_serving(server: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            if fetch(port, "GET", LOGIN_PATH, {})[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    tail = log_path.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"gunicorn did not start serving on port {port}:\n{tail}")


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()  # graceful: the master stops its workers
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # its own session: the master and its workers
            server.wait()


def cpu_seconds(master_pid: int) -> float | None:
    """User+system CPU time of the gunicorn master and its workers (Linux /proc; None elsewhere)."""
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        total = 0
        for pid in [str(master_pid), *children]:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def machine_busy_seconds() -> float | None:
    """CPU time the whole machine spent busy (or stolen by the hypervisor), from /proc/stat."""
    try:
        ticks = [
            int(field) for field in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        ]
        user, nice, system, _idle, _iowait, irq, softirq, steal = ticks[:8]
    except (OSError, ValueError):
        return None
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


# --- The clients ------------------------------------------------------------------------------------


def fetch(
    port: int, method: str, path: str, headers: dict[str, str], body: str | None = None
) -> tuple[int, Message, bytes]:
    """One request on a new connection (gunicorn's sync workers close each one anyway)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def cookies_from(headers: Message) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


@dataclass(frozen=True)
class Outcome:
    ok: bool  # the password step completed: 302 to the second-factor page
    kind: str  # "ok" or what went wrong
    sign_in_s: float  # GET + POST
    post_s: float  # POST alone


def sign_in(port: int, email: str, address: str) -> Outcome:
    headers = {"X-Forwarded-For": address, "User-Agent": USER_AGENT}
    started = time.perf_counter()
    post_started = started
    try:
        status, answer, page = fetch(port, "GET", LOGIN_PATH, headers)
        cookies = cookies_from(answer)
        token = CSRF_FIELD.search(page)
        if status != 200 or token is None or CSRF_COOKIE not in cookies:
            return Outcome(False, f"GET {status}", time.perf_counter() - started, 0.0)
        form = {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "login": email,
            "password": PASSWORD,
        }
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Origin"] = f"http://127.0.0.1:{port}"
        post_started = time.perf_counter()
        status, answer, _ = fetch(port, "POST", LOGIN_PATH, headers, urllib.parse.urlencode(form))
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(False, type(exc).__name__, time.perf_counter() - started, 0.0)
    finished = time.perf_counter()
    location = answer.get("Location", "")
    ok = status == 302 and location.endswith(MFA_PATH)
    kind = "ok" if ok else f"POST {status} {urllib.parse.urlsplit(location).path}".strip()
    return Outcome(ok, kind, finished - started, finished - post_started)


def load(
    port: int, jobs: list[tuple[str, str]], seconds: float, clients: int
) -> tuple[list[Outcome], float]:
    """`clients` threads work through `jobs` (email, address) until done or out of time."""
    lock = threading.Lock()
    pending = iter(jobs)
    outcomes: list[Outcome] = []
    deadline = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < deadline:
            with lock:
                job = next(pending, None)
            if job is None:
                return
            outcome = sign_in(port, *job)
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes, time.perf_counter() - started


def warm_up(port: int, users: list[tuple[str, str]]) -> None:
    """A few sign-ins before timing, so that each worker has loaded its code; all must succeed."""
    outcomes, _ = load(port, users, 60, len(users))  # at once: every worker gets some
    failed = [outcome.kind for outcome in outcomes if not outcome.ok]
    if failed:
        raise RuntimeError(f"warm-up sign-ins failed: {failed}")


# --- Reference and report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """Argon2id verifications of a hash the app stored, with argon2-cffi directly."""

    params: Params
    encoded: str
    processes: int
    per_process: int  # verifications per process in one slice (about two seconds)

    def slice(self) -> tuple[float, float]:
        """Verifications per second with `processes` processes verifying at once, and the CPU
        seconds of one verification in them (read when the pool's processes are reaped)."""
        before = os.times()
        rate = parallel(self.params, self.encoded, self.processes, self.per_process)
        after = os.times()
        cpu_s = sum(after[2:4]) - sum(before[2:4])  # children_user + children_system
        return rate, cpu_s / (self.processes * (self.per_process + 1))  # + 1: pool start-up


def calibrate(params: Params, encoded: str, processes: int) -> tuple[Reference, Single]:
    """The cost of one verification in one process, and a reference sized from it."""
    one = single(params, rounds=5)
    per_process = max(5, round(2000 / one.verify_ms))
    return Reference(params, encoded, processes, per_process), one


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile, in milliseconds."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] * 1000


def summarize(outcomes: list[Outcome], wall_s: float) -> dict[str, Any]:
    done = [outcome for outcome in outcomes if outcome.ok]
    errors = Counter(outcome.kind for outcome in outcomes if not outcome.ok)
    sign_in_s = [outcome.sign_in_s for outcome in done]
    post_s = [outcome.post_s for outcome in done]
    return {
        "attempted": len(outcomes),
        "completed": len(done),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "wall_s": round(wall_s, 2),
        "sign_ins_per_s": round(len(done) / wall_s, 2) if wall_s else 0.0,
        "sign_in_ms": {"p50": percentile(sign_in_s, 0.5), "p99": percentile(sign_in_s, 0.99)},
        "post_ms": {"p50": percentile(post_s, 0.5), "p99": percentile(post_s, 0.99)},
    }


def print_table(report: dict[str, Any]) -> None:
    cost, result, ref = report["argon2"], report["result"], report["reference"]
    rows = [
        ("database", report["database"]),
        (
            "Argon2id cost",
            f"t={cost['time_cost']} m={cost['memory_kib']} KiB p={cost['parallelism']}",
        ),
        ("server / clients", f"gunicorn {report['workers']} workers / {report['clients']} threads"),
        ("completed password steps", f"{result['completed']} in {result['wall_s']:.1f} s"),
        ("sign-ins/s", f"{result['sign_ins_per_s']:.1f}"),
        ("sign-in p50 / p99 (GET+POST)", _p50_p99(result["sign_in_ms"])),
        ("POST alone p50 / p99", _p50_p99(result["post_ms"])),
        ("errors (not 302 to 2FA)", f"{result['errors']} {result['error_kinds'] or ''}".strip()),
        (
            f"reference verifies/s ({ref['processes']} procs)",
            f"{ref['verifies_per_s']:.1f} (slices {', '.join(f'{v:.1f}' for v in ref['slices'])})",
        ),
        ("one verify alone (wall)", f"{ref['verify_ms']:.1f} ms"),
        ("CPU per verify (reference)", f"{ref['verify_cpu_ms']:.1f} ms"),
        ("ratio sign-ins/s / reference", f"{report['ratio']:.2f}"),
        ("server CPU per sign-in", _ms(report["server_cpu_ms_per_sign_in"])),
        ("Argon2 share of server CPU", _share(report["hashing_share_of_server_cpu"])),
        ("client CPU per sign-in", _ms(report["client_cpu_ms_per_sign_in"])),
        ("other CPU use during the load", _share(report["other_cpu_share_during_load"])),
        ("load average before / after", f"{report['load_before']} / {report['load_after']}"),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    if report["noisy"]:
        print(
            "\n  NOISY RUN: other work shared the machine; rerun on a quiet one before comparing."
        )


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} ms"


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _p50_p99(latency: dict[str, float | None]) -> str:
    if latency["p50"] is None or latency["p99"] is None:
        return "n/a"
    return f"{latency['p50']:.0f} / {latency['p99']:.0f} ms"


def step(message: str) -> None:
    print(f"{datetime.now():%H:%M:%S} {message} ...", flush=True)


# --- Main --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="accounts to sign in with")
    parser.add_argument("--sign-ins", type=int, default=400, help="stop after this many")
    parser.add_argument("--seconds", type=float, default=60, help="or after this long")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--processes", type=int, default=2, help="processes for the reference")
    parser.add_argument("--rounds", type=int, default=4, help="load slices between references")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON result file")
    parser.add_argument("--create-users", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--prefix", default="bench", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if math.ceil(args.sign_ins / args.users) > MAX_SIGN_INS_PER_USER:
        parser.error(f"at most {MAX_SIGN_INS_PER_USER} sign-ins per user: add --users")
    return args


@dataclass
class LoadRun:
    """Load slices and reference slices, alternated so that drift on the machine hits both."""

    outcomes: list[Outcome] = field(default_factory=list)
    wall_s: float = 0.0  # load slices only
    server_cpu_s: float | None = 0.0  # gunicorn master and workers
    client_cpu_s: float = 0.0  # this process: the client threads
    other_cpu_s: float | None = 0.0  # everything else on the machine, including hypervisor steal
    reference: list[float] = field(default_factory=list)  # verifications/s, one per slice
    verify_cpu_s: list[float] = field(default_factory=list)  # CPU of one verification, per slice

    def add_reference(self, reference: Reference) -> None:
        rate, cpu_s = reference.slice()
        self.reference.append(rate)
        self.verify_cpu_s.append(cpu_s)

    def add_slice(
        self, port: int, server_pid: int, jobs: list[tuple[str, str]], args: argparse.Namespace
    ) -> None:
        busy, server, client = machine_busy_seconds(), cpu_seconds(server_pid), time.process_time()
        outcomes, wall_s = load(port, jobs, args.seconds - self.wall_s, args.clients)
        busy_after, server_after = machine_busy_seconds(), cpu_seconds(server_pid)
        client_s = time.process_time() - client
        self.outcomes += outcomes
        self.wall_s += wall_s
        self.client_cpu_s += client_s
        if self.server_cpu_s is None or server is None or server_after is None:
            self.server_cpu_s = self.other_cpu_s = None
            return
        self.server_cpu_s += server_after - server
        if self.other_cpu_s is None or busy is None or busy_after is None:
            self.other_cpu_s = None
            return
        self.other_cpu_s += max(busy_after - busy - (server_after - server) - client_s, 0.0)


def serve_and_load(
    args: argparse.Namespace, data_dir: Path, prefix: str, reference: Reference
) -> LoadRun:
    users = [(email_of(prefix, i), address_of(i)) for i in range(args.users + WARMUP_SIGN_INS)]
    jobs = [users[i % args.users] for i in range(args.sign_ins)]
    size = math.ceil(len(jobs) / args.rounds)
    port = free_port()
    measured = LoadRun()
    step(f"starting gunicorn ({args.workers} workers) and warming up")
    with gunicorn(data_dir, port, args.workers) as server:
        warm_up(port, users[args.users :])
        step(f"{args.rounds} rounds: reference, then sign-ins with {args.clients} clients")
        measured.add_reference(reference)
        for start in range(0, len(jobs), size):
            if measured.wall_s >= args.seconds:
                break
            measured.add_slice(port, server.pid, jobs[start : start + size], args)
            measured.add_reference(reference)
            print(f"  {len(measured.outcomes)} sign-ins in {measured.wall_s:.1f} s", flush=True)
    if not all(outcome.ok for outcome in measured.outcomes):
        log = (data_dir / "gunicorn.log").read_text(errors="replace")
        print(f"some sign-ins failed; the end of the gunicorn log:\n{log[-2000:]}")
    return measured


def build_report(
    args: argparse.Namespace, params: Params, one: Single, run: LoadRun
) -> dict[str, Any]:
    result = summarize(run.outcomes, run.wall_s)
    ceiling = statistics.mean(run.reference)
    completed = max(result["completed"], 1)
    server_ms = None if run.server_cpu_s is None else run.server_cpu_s * 1000 / completed
    verify_cpu_ms = statistics.median(run.verify_cpu_s) * 1000
    machine_s = run.wall_s * (os.cpu_count() or 1)
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "database": urllib.parse.urlsplit(os.environ.get("DATABASE_URL", "")).scheme or "sqlite",
        "argon2": {k: getattr(params, k) for k in ("time_cost", "memory_kib", "parallelism")},
        "users": args.users,
        "max_sign_ins_per_user_and_address": math.ceil(args.sign_ins / args.users),
        "workers": args.workers,
        "clients": args.clients,
        "limits": {"sign_ins": args.sign_ins, "seconds": args.seconds},
        "rounds": args.rounds,
        "result": result,
        "reference": {
            "processes": args.processes,
            "verifies_per_s": round(ceiling, 2),
            "slices": [round(value, 2) for value in run.reference],
            "verify_ms": round(one.verify_ms, 2),  # one verification alone, wall time
            "verify_cpu_ms": round(verify_cpu_ms, 2),  # CPU per verification in the slices
        },
        "ratio": round(result["sign_ins_per_s"] / ceiling, 3),
        "server_cpu_ms_per_sign_in": None if server_ms is None else round(server_ms, 1),
        "client_cpu_ms_per_sign_in": round(run.client_cpu_s * 1000 / completed, 1),
        # Contention from other work on the box barely moves CPU times: the hashing share of the
        # server's CPU per sign-in is the steadier twin of `ratio`.
        "hashing_share_of_server_cpu": (
            None if server_ms is None else round(verify_cpu_ms / server_ms, 3)
        ),
        # Share of the machine's CPU used by anything else during the load: above a few percent,
        # other work skewed this run (and the reference may have seen a different machine).
        "other_cpu_share_during_load": (
            None if run.other_cpu_s is None else round(run.other_cpu_s / machine_s, 3)
        ),
    }


def is_noisy(report: dict[str, Any]) -> bool:
    ref, other = report["reference"], report["other_cpu_share_during_load"]
    drift = (max(ref["slices"]) - min(ref["slices"])) / max(ref["verifies_per_s"], 1e-9)
    return drift > NOISY_REFERENCE_DRIFT or (other is not None and other > NOISY_OTHER_CPU)


def run(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    prefix = f"bench{os.getpid()}-{int(time.time())}"  # unique, for a reused PostgreSQL database
    step(f"setting up {args.users + WARMUP_SIGN_INS} users in {data_dir}")
    app = prepare(data_dir, args.users + WARMUP_SIGN_INS, prefix)
    if not app["rate_limits"]:
        raise RuntimeError("allauth rate limits are off: this benchmark measures them on")
    params, encoded = params_from(app)
    step("measuring one verification")
    reference, one = calibrate(params, encoded, args.processes)
    load_before = os.getloadavg()
    loaded = serve_and_load(args, data_dir, prefix, reference)
    load_after = os.getloadavg()
    report = build_report(args, params, one, loaded)
    report["noisy"] = is_noisy(report)
    report["rate_limits"] = app["rate_limits"]
    report["load_before"] = [round(x, 2) for x in load_before]
    report["load_after"] = [round(x, 2) for x in load_after]
    return report


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.create_users is not None:
        create_users(args.create_users, args.prefix)
        return
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` cleans up
    data_dir = Path(tempfile.mkdtemp(prefix="sellsafe-bench-"))
    try:
        report = run(args, data_dir)
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"setup failed: {' '.join(exc.cmd)}\n{exc.stderr[-3000:]}") from exc
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    print()
    print_table(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {args.output}")
    if report["result"]["completed"] == 0:
        raise SystemExit("no sign-in completed: see the errors above")


if __name__ == "__main__":
    main()
