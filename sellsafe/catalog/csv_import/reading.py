"""Reading an uploaded CSV file safely: size and row limits, binary files, UTF-8 (with or without
a BOM), the comma or Excel's semicolon dialect, quoted newlines. Nothing here touches the database.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from django.conf import settings

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_ROWS = 200_000
_SNIFF_BYTES = 64 * 1024


class FileRefused(Exception):
    """The file as a whole cannot be read; the message says why in plain words."""


def max_bytes() -> int:
    return int(getattr(settings, "SELLSAFE_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_rows() -> int:
    return int(getattr(settings, "SELLSAFE_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


@dataclass
class Table:
    header: list[str]
    delimiter: str
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells); the header is row 1


def _limit_text(limit: int) -> str:
    return f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit:,} bytes"


def too_large() -> FileRefused:
    return FileRefused(f"The file is larger than the limit of {_limit_text(max_bytes())}.")


def read_bytes(stream: IO[bytes]) -> bytes:
    """Read at most the size limit (plus one byte, to know it was exceeded)."""
    limit = max_bytes()
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise too_large()
    return data


def decode(data: bytes) -> str:
    if not data.strip():
        raise FileRefused("The file is empty.")
    if b"\x00" in data[:_SNIFF_BYTES] or b"\x00" in data:
        raise FileRefused(
            "This is not a CSV text file (it contains binary data). "
            "Save the spreadsheet as CSV (UTF-8) and try again."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRefused(
            f"The file is not UTF-8 text (unreadable byte at position {error.start:,}). "
            'Save the spreadsheet as "CSV UTF-8" and try again.'
        ) from None


def sniff_delimiter(text: str) -> str:
    """`,` or `;` (Excel in many European locales), from the header line outside quotes."""
    counts = {",": 0, ";": 0}
    quoted = False
    for ch in text[:_SNIFF_BYTES]:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
        elif not quoted and ch in "\r\n":
            break
    return ";" if counts[";"] > counts[","] else ","


def _records(text: str, delimiter: str) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        yield from reader
    except csv.Error as error:
        raise FileRefused(
            f"The file cannot be read as CSV near row {reader.line_num:,}: {error}."
        ) from None


def parse(data: bytes) -> Table:
    """Decode, sniff and split the file into rows; refuse it as a whole if it cannot be read."""
    if len(data) > max_bytes():
        raise too_large()
    text = decode(data)
    delimiter = sniff_delimiter(text)
    limit = max_rows()
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    number = 0
    for cells in _records(text, delimiter):
        number += 1
        if header is None:
            header = [cell.strip() for cell in cells]
            continue
        if not any(cell.strip() for cell in cells):
            continue  # blank lines (a trailing one is common)
        if len(rows) >= limit:
            raise FileRefused(
                f"The file has more than {limit:,} rows. Split it into smaller files."
            )
        rows.append((number, cells))
    if header is None or not any(header):
        raise FileRefused("The file has no header row.")
    if not rows:
        raise FileRefused("The file has a header but no rows to import.")
    return Table(header=header, delimiter=delimiter, rows=rows)
