"""Common and predictable passwords: the shipped lists, and repetitive or sequential patterns."""

from __future__ import annotations

from functools import cache
from importlib import resources

from sellsafe.accounts.passwords import engine
from sellsafe.accounts.passwords.text import ANALYSIS_WINDOW, compact

DATA_PACKAGE = "sellsafe.accounts.passwords_data"
LIST_FILES = ("common-passwords.txt", "common-phrases.txt")

# A password is "a pattern" when keyboard walks, repeats and sequences cover this share of it.
PATTERN_SHARE = 0.75
# Shorter repeats ("ee", "ll") and two-letter sequences ("de", "st") are ordinary spelling.
MIN_PATTERN_LENGTH = 3
# Padding around a common password: this short, or itself a pattern, adds almost nothing.
MAX_SHORT_PADDING = 4
MIN_CORE_LENGTH = 4

# Common look-alike spellings; "1" and "|" stand for "i" or "l", so both readings are tried.
_L33T = str.maketrans({"4": "a", "@": "a", "3": "e", "0": "o", "$": "s", "5": "s", "7": "t"})
_ONE_AS = ("i", "l")


@cache
def entries() -> frozenset[str]:
    words: set[str] = set()
    for name in LIST_FILES:
        text = resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
        for line in text.splitlines():
            entry = compact(line)
            if entry and not line.lstrip().startswith("#"):
                words.add(entry)
    return frozenset(words)


def _readings(text: str) -> set[str]:
    plain = text.translate(_L33T).replace("!", "i")
    return {text, *(plain.replace("1", one).replace("|", one) for one in _ONE_AS)}


def _split_padding(text: str) -> tuple[str, str, str]:
    """Leading non-letters, the part from the first to the last letter, trailing non-letters."""
    letters = [index for index, char in enumerate(text) if char.isalpha()]
    if not letters:
        return text, "", ""
    first, last = letters[0], letters[-1]
    return text[:first], text[first : last + 1], text[last + 1 :]


def _pattern_share(text: str) -> float:
    text = text[:ANALYSIS_WINDOW]
    if not text:
        return 0.0
    matches = [
        match
        for match in engine.pattern_matches(text)
        if match["j"] - match["i"] + 1 >= MIN_PATTERN_LENGTH
    ]
    return len(engine.covered(matches, len(text))) / len(text)


def is_predictable(text: str) -> bool:
    """Mostly repeated characters, a sequence (abcd, 1234, 9753) or a walk along the keyboard."""
    squeezed = compact(text)
    return bool(squeezed) and _pattern_share(squeezed) >= PATTERN_SHARE


def _predictable_padding(padding: str) -> bool:
    return len(padding) <= MAX_SHORT_PADDING or _pattern_share(padding) >= PATTERN_SHARE


def is_common(text: str) -> bool:
    """On the shipped lists, or a listed password with predictable padding ("monkey!!!!!!!!!")."""
    squeezed = compact(text)
    if not squeezed:
        return False
    listed = entries()
    if any(reading in listed for reading in _readings(squeezed)):
        return True
    before, core, after = _split_padding(squeezed)
    if len(core) < MIN_CORE_LENGTH or not (before or after):
        return False
    if not any(reading in listed for reading in _readings(core)):
        return False
    return _predictable_padding(before) and _predictable_padding(after)
