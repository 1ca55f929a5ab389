"""clean_text's fast path (str.isprintable before the per-character check) must give exactly
what the plain per-character check gives: the same text back and the same problems."""

from __future__ import annotations

import random
import sys
import unicodedata
from typing import Any

from sellsafe.catalog.services.validation import Problems, clean_text


def slow_clean_text(value: Any, *, limit: int, where: str, problems: Problems, label: str) -> str:
    """clean_text as it was before the fast path: the reference."""
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.add(where, f"{label} must be text.")
        return ""
    text = value.strip()
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        problems.add(where, f"{label} cannot contain control characters.")
        return ""
    if len(text) > limit:
        problems.add(where, f"{label} can be at most {limit} characters (it has {len(text)}).")
        return ""
    return text


TRICKY = [
    "",
    " ",
    "plain ascii title",
    "  padded  ",
    "tab\tinside",
    "new\nline",
    "\r\n",
    "nul\x00byte",
    "bell\x07",
    "del\x7f",
    "c1 control \x85 next-line",
    "c1 \x9f",
    "zero\u200bwidth",
    "zwj \u200d family \U0001f468\u200d\U0001f469\u200d\U0001f467",
    "rtl \u202e evil \u202c",
    "lrm \u200e rlm \u200f",
    "bom \ufeff",
    "nbsp\u00a0inside",
    "\u00a0leading nbsp",
    "ideographic\u3000space",
    "line sep \u2028 para sep \u2029",
    "\ufb01 ligature \uff46\uff55\uff4c\uff4c \u2460",
    "e\u0301 combining",
    "emoji 🧣🎁 🏳️‍🌈",
    "soft\u00adhyphen",
    "surrogate-free CJK 毛糸のマフラー",
    "runs     of    spaces",
    "\x1b[31mansi\x1b[0m",
    "\U000e0001 tag char",
    "private \ue000 use",
    "unassigned \u0378",
    "x" * 60,
    "y" * 61,
    "   " + "z" * 50 + "\t",
]


def _both(value: Any, limit: int) -> tuple[tuple[str, list[Any]], tuple[str, list[Any]]]:
    fast, slow = Problems(), Problems()
    got = clean_text(value, limit=limit, where="f", problems=fast, label="L")
    want = slow_clean_text(value, limit=limit, where="f", problems=slow, label="L")
    return (got, fast.items), (want, slow.items)


def test_tricky_corpus_same_as_slow_path() -> None:
    for value in TRICKY:
        for limit in (0, 5, 50, 200):
            fast, slow = _both(value, limit)
            assert fast == slow, (value, limit)


def test_non_text_same_as_slow_path() -> None:
    for value in (None, 12, 1.5, b"bytes", ["a"], {"a": 1}, True):
        assert _both(value, 50)[0] == _both(value, 50)[1]


def test_control_characters_are_refused() -> None:
    for value in ("a\x00b", "a\nb", "a\x85b", "a\x7fb"):
        problems = Problems()
        assert clean_text(value, limit=50, where="f", problems=problems, label="L") == ""
        assert problems.items == [("f", "L cannot contain control characters.")]


def test_random_strings_same_as_slow_path() -> None:
    rng = random.Random(20261129)
    # One character of every general category (where one exists), plus ASCII, weighted to it.
    by_category: dict[str, str] = {}
    for code in range(0, sys.maxunicode + 1, 7):
        by_category.setdefault(unicodedata.category(chr(code)), chr(code))
    pool = list(by_category.values()) + [chr(c) for c in range(0x80)] + list("\u200b\u202e\u00a0")
    for _ in range(5000):
        value = "".join(rng.choice(pool) for _ in range(rng.randint(0, 12)))
        if rng.random() < 0.5:
            value = "".join(chr(rng.randint(0x20, 0x7E)) for _ in range(rng.randint(0, 12)))
        fast, slow = _both(value, 8)
        assert fast == slow, ascii(value)
