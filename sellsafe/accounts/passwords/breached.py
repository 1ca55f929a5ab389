"""Offline lookup in Have I Been Pwned's "ordered by hash" SHA-1 file (`SHA1HEX:COUNT` lines).

The real file is about 40 GB, so it is never read whole: a binary search over byte offsets seeks to
the middle, skips to the next line start and compares hashes, about 36 reads per lookup. Hashes are
compared upper-cased and lines may end in LF or CRLF. A missing, unreadable or unsorted file logs
one warning (never the password or its hash) and the check is skipped rather than failing sign-up.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

logger = logging.getLogger(__name__)

HASH_LENGTH = 40
MAX_LINE = 512  # a real line is ~50 bytes; anything much longer means this is not a HIBP file
SAMPLE_BYTES = 64 * 1024  # checked for format and order the first time a file is used
_HEX = frozenset(b"0123456789ABCDEF")

_warned: set[tuple[str, str]] = set()
_verified: dict[tuple[str, int, int], bool] = {}
_lock = threading.Lock()


class BreachFileError(Exception):
    """The file cannot answer: unreadable, not in HIBP format, or not sorted by hash."""


@dataclass(frozen=True)
class _Entry:
    start: int
    key: bytes | None  # None: end of file
    count: int


def sha1_hex(password: str) -> bytes:
    data = password.encode("utf-8", errors="surrogatepass")
    # SHA-1 is the lookup key HIBP publishes; it protects nothing here.
    return hashlib.sha1(data, usedforsecurity=False).hexdigest().upper().encode("ascii")


def _warn_once(path: str, reason: str) -> None:
    with _lock:
        if (path, reason) in _warned:
            return
        _warned.add((path, reason))
    logger.warning(
        "The breached-password check is skipped: %s (SELLSAFE_BREACHED_PASSWORDS_FILE=%s).",
        reason,
        path,
    )


def _parse(line: bytes) -> tuple[bytes, int] | None:
    """(upper-case hash, count), None for a blank line; BreachFileError if malformed."""
    text = line.strip()
    if not text:
        return None
    key, _, count = text.partition(b":")
    key = key.upper()
    if len(key) != HASH_LENGTH or not _HEX.issuperset(key):
        raise BreachFileError("the file is not in 'SHA1HEX:COUNT' format")
    try:
        return key, int(count or b"1")
    except ValueError as exc:
        raise BreachFileError("the file is not in 'SHA1HEX:COUNT' format") from exc


def _readline(handle: BinaryIO) -> bytes:
    line = handle.readline(MAX_LINE)
    if len(line) == MAX_LINE and not line.endswith(b"\n"):
        raise BreachFileError("the file is not in 'SHA1HEX:COUNT' format")
    return line


def _entry_from(handle: BinaryIO, offset: int) -> _Entry:
    """The first line that starts at or after `offset`."""
    if offset == 0:
        handle.seek(0)
    else:
        handle.seek(offset - 1)
        _readline(handle)  # the rest of the line that holds offset - 1
    start = handle.tell()
    parsed = _parse(_readline(handle))
    if parsed is None:
        return _Entry(start, None, 0)
    return _Entry(start, parsed[0], parsed[1])


def _check_sample(handle: BinaryIO, size: int) -> None:
    """Cheap sanity check of the first and last lines: right format, sorted by hash."""
    for offset in sorted({0, max(size - SAMPLE_BYTES, 0)}):
        handle.seek(offset)
        data = handle.read(SAMPLE_BYTES)
        chunk = data.splitlines()
        if offset:
            chunk = chunk[1:]  # probably starts mid-line
        if offset + len(data) < size:
            chunk = chunk[:-1]  # probably ends mid-line
        keys = [parsed[0] for parsed in map(_parse, chunk) if parsed is not None]
        if keys != sorted(keys):
            raise BreachFileError("the file is not sorted by hash (use the 'ordered by hash' file)")


def _search(handle: BinaryIO, size: int, target: bytes) -> int:
    """Binary search for the smallest offset whose next line has a hash >= target."""
    low, high = 0, size
    probes: list[_Entry] = []
    while low < high:
        middle = (low + high) // 2
        entry = _entry_from(handle, middle)
        probes.append(entry)
        if entry.key is None or entry.key >= target:
            high = middle
        else:
            low = middle + 1
    entry = _entry_from(handle, low)
    probes.append(entry)
    keys = [probe.key for probe in sorted(probes, key=lambda p: p.start) if probe.key is not None]
    if keys != sorted(keys):
        raise BreachFileError("the file is not sorted by hash (use the 'ordered by hash' file)")
    return entry.count if entry.key == target else 0


def _verify(handle: BinaryIO, path: str, size: int) -> None:
    stat = os.fstat(handle.fileno())
    key = (path, stat.st_ino, stat.st_mtime_ns)
    if _verified.get(key):
        return
    _check_sample(handle, size)
    with _lock:
        _verified[key] = True


def hash_count(path: str, digests: Iterable[bytes]) -> int | None:
    """How often any of the SHA-1 hex digests appears in the file; None if the check cannot run."""
    targets = sorted({digest.upper() for digest in digests})
    if not targets:
        return 0
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            _verify(handle, path, size)
            return max(_search(handle, size, target) for target in targets)
    except BreachFileError as exc:
        _warn_once(path, str(exc))
    except OSError as exc:
        _warn_once(path, f"the file cannot be read ({exc.strerror or type(exc).__name__})")
    return None


def breach_count(path: str, candidates: Iterable[str]) -> int | None:
    """How often any candidate password appears in the file; None if the check cannot run."""
    return hash_count(path, [sha1_hex(candidate) for candidate in candidates])
