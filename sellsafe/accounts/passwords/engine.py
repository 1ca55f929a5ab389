"""zxcvbn's estimator with a bounded cost and no shared state.

We reuse zxcvbn's frequency lists, matchers, scorer and feedback, but drive them ourselves because
`zxcvbn.zxcvbn()` has two problems for a web server:

* it stores the caller's `user_inputs` in a module-global dictionary, so two threads checking two
  passwords at once can score one person's password against the other person's details;
* its cost explodes on hostile input: the dictionary matcher tries every substring against every
  list, and the l33t matcher repeats that for every combination of look-alike substitutions (736
  combinations for a 100-character string of characters such as `4@3!1|0$7`, measured at 4.5 s).

Here the dictionary matcher only tries substrings up to the longest word of a list, all lists are
looked up at once, and at most MAX_L33T_SUBS substitution maps are tried. For ordinary passwords the
result is the same as `zxcvbn.zxcvbn()` (the tests compare them); for hostile input the estimate can
only be less thorough about l33t spellings, and the other checks still apply.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from zxcvbn import feedback as zx_feedback
from zxcvbn import matching as zx
from zxcvbn import scoring
from zxcvbn.time_estimates import guesses_to_score

Match = dict[str, Any]

USER_INPUTS = "user_inputs"
MAX_L33T_SUBS = 16
MIN_USER_INPUT_LENGTH = 3


@dataclass(frozen=True)
class Lexicon:
    """Ranked word lists merged into one lookup: word -> ((list name, rank), ...)."""

    words: dict[str, tuple[tuple[str, int], ...]]
    max_length: int


@dataclass(frozen=True)
class Analysis:
    score: int
    guesses_log10: float
    sequence: list[Match]
    matches: list[Match]
    warning: str = ""
    suggestions: list[str] = field(default_factory=list)


def _lexicon(lists: dict[str, dict[str, int]]) -> Lexicon:
    merged: dict[str, list[tuple[str, int]]] = {}
    for name, ranked in lists.items():
        for word, rank in ranked.items():
            merged.setdefault(word, []).append((name, rank))
    longest = max((len(word) for word in merged), default=0)
    return Lexicon({word: tuple(hits) for word, hits in merged.items()}, longest)


@cache
def base_lexicon() -> Lexicon:
    # Another caller of zxcvbn.zxcvbn() may have left its user inputs in the global dictionary.
    lists = {name: ranked for name, ranked in zx.RANKED_DICTIONARIES.items() if name != USER_INPUTS}
    return _lexicon(lists)


def user_lexicon(user_inputs: Iterable[str]) -> Lexicon | None:
    words = [word.lower() for word in user_inputs if len(word) >= MIN_USER_INPUT_LENGTH]
    if not words:
        return None
    return _lexicon({USER_INPUTS: zx.build_ranked_dict(list(dict.fromkeys(words)))})


def _lower(text: str) -> str:
    # str.lower() may lengthen a character ("İ" -> "i̇"), which would shift every match index.
    return "".join(char.lower() if len(char.lower()) == 1 else char for char in text)


def dictionary_match(password: str, lexicons: Sequence[Lexicon]) -> list[Match]:
    matches: list[Match] = []
    lower = _lower(password)
    size = len(password)
    for lexicon in lexicons:
        for i in range(size):
            for j in range(i, min(size, i + lexicon.max_length)):
                word = lower[i : j + 1]
                for name, rank in lexicon.words.get(word, ()):
                    matches.append(
                        {
                            "pattern": "dictionary",
                            "i": i,
                            "j": j,
                            "token": password[i : j + 1],
                            "matched_word": word,
                            "rank": rank,
                            "dictionary_name": name,
                            "reversed": False,
                            "l33t": False,
                        }
                    )
    return sorted(matches, key=lambda m: (m["i"], m["j"]))


def reverse_dictionary_match(password: str, lexicons: Sequence[Lexicon]) -> list[Match]:
    matches = dictionary_match(password[::-1], lexicons)
    last = len(password) - 1
    for match in matches:
        match["token"] = match["token"][::-1]
        match["reversed"] = True
        match["i"], match["j"] = last - match["j"], last - match["i"]
    return sorted(matches, key=lambda m: (m["i"], m["j"]))


def l33t_match(password: str, lexicons: Sequence[Lexicon]) -> list[Match]:
    matches: list[Match] = []
    subs = zx.enumerate_l33t_subs(zx.relevant_l33t_subtable(password, zx.L33T_TABLE))
    for sub in itertools.islice(subs, MAX_L33T_SUBS):
        if not sub:
            break
        for match in dictionary_match(zx.translate(password, sub), lexicons):
            token = password[match["i"] : match["j"] + 1]
            if token.lower() == match["matched_word"]:
                continue  # no substitution actually used
            used = {l33t: letter for l33t, letter in sub.items() if l33t in token}
            match.update(
                l33t=True,
                token=token,
                sub=used,
                sub_display=", ".join(f"{k} -> {v}" for k, v in used.items()),
            )
            matches.append(match)
    matches = [match for match in matches if len(match["token"]) > 1]
    return sorted(matches, key=lambda m: (m["i"], m["j"]))


_GREEDY = re.compile(r"(.+)\1+", re.DOTALL)
_LAZY = re.compile(r"(.+?)\1+", re.DOTALL)
_LAZY_ANCHORED = re.compile(r"^(.+?)\1+$", re.DOTALL)


def repeat_match(password: str, *, score_base: bool = True) -> list[Match]:
    """zxcvbn's repeat matcher; the repeated unit is scored with the bounded matchers."""
    matches: list[Match] = []
    last_index = 0
    while last_index < len(password):
        greedy = _GREEDY.search(password, pos=last_index)
        lazy = _LAZY.search(password, pos=last_index)
        if not greedy or not lazy:
            break
        if len(greedy.group(0)) > len(lazy.group(0)):
            found = greedy
            anchored = _LAZY_ANCHORED.search(found.group(0))
            base_token = anchored.group(1) if anchored else found.group(1)
        else:
            found = lazy
            base_token = found.group(1)
        i, j = found.span()[0], found.span()[1] - 1
        base_guesses: float = 1
        base_matches: list[Match] = []
        if score_base:
            base = scoring.most_guessable_match_sequence(base_token, omnimatch(base_token, ()))
            base_guesses, base_matches = base["guesses"], base["sequence"]
        matches.append(
            {
                "pattern": "repeat",
                "i": i,
                "j": j,
                "token": found.group(0),
                "base_token": base_token,
                "base_guesses": base_guesses,
                "base_matches": base_matches,
                "repeat_count": len(found.group(0)) / len(base_token),
            }
        )
        last_index = j + 1
    return matches


def pattern_matches(password: str) -> list[Match]:
    """Keyboard walks, repeats and sequences: the cheap, list-free matchers."""
    return [
        *zx.spatial_match(password),
        *repeat_match(password, score_base=False),
        *zx.sequence_match(password),
    ]


def omnimatch(password: str, user_inputs: Iterable[str]) -> list[Match]:
    lexicons = [base_lexicon()]
    extra = user_lexicon(user_inputs)
    if extra is not None:
        lexicons.append(extra)
    matches = [
        *dictionary_match(password, lexicons),
        *reverse_dictionary_match(password, lexicons),
        *l33t_match(password, lexicons),
        *zx.spatial_match(password),
        *repeat_match(password),
        *zx.sequence_match(password),
        *zx.regex_match(password),
        *zx.date_match(password),
    ]
    return sorted(matches, key=lambda m: (m["i"], m["j"]))


def user_input_matches(password: str, user_inputs: Iterable[str]) -> list[Match]:
    """Where the person's own details (email, name, shop) appear, also reversed or in l33t."""
    lexicon = user_lexicon(user_inputs)
    if lexicon is None:
        return []
    return [
        *dictionary_match(password, [lexicon]),
        *reverse_dictionary_match(password, [lexicon]),
        *l33t_match(password, [lexicon]),
    ]


def analyse(password: str, user_inputs: Iterable[str] = ()) -> Analysis:
    """Estimate guesses like zxcvbn. Callers pass a bounded window of the password."""
    if not password:
        return Analysis(score=0, guesses_log10=0.0, sequence=[], matches=[])
    matches = omnimatch(password, list(user_inputs))
    result = scoring.most_guessable_match_sequence(password, matches)
    score = int(guesses_to_score(result["guesses"]))
    advice = zx_feedback.get_feedback(score, result["sequence"])
    return Analysis(
        score=score,
        guesses_log10=math.log10(max(float(result["guesses"]), 1.0)),
        sequence=result["sequence"],
        matches=matches,
        warning=str(advice.get("warning") or ""),
        suggestions=[str(item) for item in advice.get("suggestions", [])],
    )


def covered(matches: Iterable[Match], size: int) -> set[int]:
    """Indexes of the characters that any of the matches cover."""
    positions: set[int] = set()
    for match in matches:
        positions.update(range(max(match["i"], 0), min(match["j"] + 1, size)))
    return positions
