"""The person's own details (email, name, shop names): what attackers try first on an account."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from zxcvbn import matching as zx

from sellsafe.accounts.passwords import engine
from sellsafe.accounts.passwords.text import normalise

USER_ATTRIBUTES = ("email", "display_name", "first_name", "last_name", "username")
EXTRA_ATTRIBUTE = "_password_context_words"
MIN_WORD_LENGTH = engine.MIN_USER_INPUT_LENGTH
MAX_WORDS = 64
MAX_VALUE_LENGTH = 254

# "Mostly built from your details": they cover at least half the password, or they and predictable
# filler (keyboard walks, repeats, sequences, dates) leave less than half of it to guess.
CONTEXT_SHARE = 0.5
FREE_SHARE = 0.5
MIN_PATTERN_LENGTH = 3

_SEPARATORS = re.compile(r"[\W_]+")
_RUNS = re.compile(r"[^\W\d_]+|\d+")


def _value_words(value: str) -> list[str]:
    text = normalise(value[:MAX_VALUE_LENGTH]).lower().strip()
    if not text:
        return []
    parts = [part for part in _SEPARATORS.split(text) if part]
    words = [text, "".join(parts), *parts]
    for part in parts:
        words.extend(_RUNS.findall(part))
    return words


def _email_words(email: str) -> list[str]:
    local, _, domain = email.rpartition("@")
    if not local:
        return _value_words(email)
    labels = [label for label in domain.split(".") if label]
    # The last label is the top-level domain (.com, .de), which says nothing about the person.
    return [*_value_words(email), *_value_words(local), *_value_words(" ".join(labels[:-1]))]


# Other apps add words about the person (the shops app adds their shop names): a function of the
# user returning strings, registered from the app's ready().
ContextProvider = Callable[[Any], Iterable[str]]
_providers: list[ContextProvider] = []


def register_context_provider(provider: ContextProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def _values(user: Any, extra: Iterable[object]) -> list[str]:
    values: list[str] = []
    if user is not None:
        for attribute in USER_ATTRIBUTES:
            value = getattr(user, attribute, "")
            if isinstance(value, str) and value:
                values.append(value)
        values.extend(str(word) for word in (getattr(user, EXTRA_ATTRIBUTE, ()) or ()))
        if getattr(user, "pk", None) is not None:
            for provider in _providers:
                values.extend(provider(user))
    values.extend(str(word) for word in extra if word)
    return values


def context_words(user: Any = None, extra: Iterable[object] = ()) -> list[str]:
    """Lower-cased words from the person's email, names and shop names, most specific first."""
    words: list[str] = []
    for value in _values(user, extra):
        words.extend(_email_words(value) if "@" in value else _value_words(value))
    unique = [word for word in dict.fromkeys(words) if len(word) >= MIN_WORD_LENGTH]
    return unique[:MAX_WORDS]


def is_mostly_context(text: str, words: list[str]) -> bool:
    squeezed = "".join(char for char in text if not char.isspace())
    if not squeezed or not words:
        return False
    size = len(squeezed)
    mine = engine.covered(engine.user_input_matches(squeezed, words), size)
    if not mine:
        return False
    filler = [
        match
        for match in [
            *engine.pattern_matches(squeezed),
            *zx.regex_match(squeezed),
            *zx.date_match(squeezed),
        ]
        if match["j"] - match["i"] + 1 >= MIN_PATTERN_LENGTH
    ]
    free = size - len(mine | engine.covered(filler, size))
    return len(mine) >= CONTEXT_SHARE * size or free < FREE_SHARE * size
