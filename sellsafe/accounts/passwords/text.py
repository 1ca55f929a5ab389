"""How the policy reads a password: NFKC, length in code points, a bounded analysis window."""

from __future__ import annotations

import unicodedata

from django.conf import settings

DEFAULT_MIN_LENGTH = 15
DEFAULT_MAX_LENGTH = 256

# zxcvbn's matching grows quadratically (and its l33t step combinatorially) with the length of its
# input, so the pattern and strength checks read only the first ANALYSIS_WINDOW characters. A
# password of 100 characters is long enough that what follows cannot make it weak, and an attacker
# cannot make the server do more work by sending more text.
ANALYSIS_WINDOW = 100

# NFKC can shrink text (a letter and its combining accents become one code point) by at most a small
# factor, so anything longer than this before normalising is over the maximum after it too. This
# spares normalising a megabyte-long "password" just to reject it.
RAW_LENGTH_FACTOR = 4


def min_length() -> int:
    return int(getattr(settings, "SELLSAFE_PASSWORD_MIN_LENGTH", DEFAULT_MIN_LENGTH))


def max_length() -> int:
    return int(getattr(settings, "SELLSAFE_PASSWORD_MAX_LENGTH", DEFAULT_MAX_LENGTH))


def normalise(password: str, *, limit: int | None = None) -> str:
    """NFKC form of the password (NIST SP 800-63B-4 §3.1.1.2); `limit` bounds the raw input read."""
    raw = password if limit is None else password[:limit]
    return unicodedata.normalize("NFKC", raw)


def is_clearly_too_long(password: str) -> bool:
    return len(password) > max_length() * RAW_LENGTH_FACTOR


def length(password: str) -> int:
    """Length in Unicode code points after NFKC normalisation."""
    if is_clearly_too_long(password):
        return len(password)
    return len(normalise(password))


def compact(text: str) -> str:
    """Case-folded, without whitespace: how lists and patterns compare text."""
    return "".join(char for char in text.casefold() if not char.isspace())


def window(password: str) -> str:
    """The normalised beginning of the password that the pattern and strength checks look at."""
    return normalise(password, limit=ANALYSIS_WINDOW * RAW_LENGTH_FACTOR)[:ANALYSIS_WINDOW]
