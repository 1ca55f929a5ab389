"""Run the benchmarks (`make bench`): every module in bench/ that defines main(), in name order.

Run: .venv/bin/python bench/run.py [name ...]   e.g. `bench/run.py login_throughput`

Each benchmark runs with its default options and prints its own table with its reference measured
in the same run; see bench/README.md. The exit status is 1 if any of them failed.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benchmarks(selected: list[str]) -> list[str]:
    names = sorted(path.stem for path in HERE.glob("*.py") if not path.stem.startswith("_"))
    return [name for name in names if name != "run" and (not selected or name in selected)]


def run_one(name: str) -> bool:
    """Import bench/<name>.py and call its main() with no arguments; False if it failed."""
    module = importlib.import_module(name)
    entry = getattr(module, "main", None)
    if not callable(entry):
        return True
    print(f"\n=== bench/{name}.py ===", flush=True)
    sys.argv = [str(HERE / f"{name}.py")]  # each main() parses its own (empty) command line
    started = time.monotonic()
    try:
        entry()
    except SystemExit as exc:
        if exc.code not in (0, None):
            print(f"bench/{name}.py failed: {exc.code}", file=sys.stderr)
            return False
    except Exception:
        traceback.print_exc()
        return False
    print(f"=== bench/{name}.py done in {time.monotonic() - started:.0f} s ===", flush=True)
    return True


def main() -> None:
    selected = sys.argv[1:]
    names = benchmarks(selected)
    unknown = sorted(set(selected) - set(names))
    if unknown:
        raise SystemExit(
            f"no such benchmark: {', '.join(unknown)} (have: {', '.join(benchmarks([]))})"
        )
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    failed = [name for name in names if not run_one(name)]
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
