"""The five password validators named in AUTH_PASSWORD_VALIDATORS (NIST SP 800-63B-4, ASVS V6.2).

Each one checks one rule, reads its settings when it runs (so tests and operators can change them),
and says in plain words why a password was refused. None of them logs or repeats the password.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from sellsafe.accounts.passwords import blocklist, breached, context, engine, messages, text

MIN_SCORE = 3


class LengthValidator:
    """15 to 256 characters, counted as Unicode code points after NFKC; nothing is truncated."""

    def __init__(self, min_length: int | None = None, max_length: int | None = None) -> None:
        self._min_length = min_length
        self._max_length = max_length

    @property
    def min_length(self) -> int:
        return self._min_length if self._min_length is not None else text.min_length()

    @property
    def max_length(self) -> int:
        return self._max_length if self._max_length is not None else text.max_length()

    def validate(self, password: str, user: Any = None) -> None:
        size = text.length(password)
        if size < self.min_length:
            raise ValidationError(
                messages.TOO_SHORT,
                code="password_too_short",
                params={"min_length": self.min_length},
            )
        if size > self.max_length:
            raise ValidationError(
                messages.TOO_LONG,
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return str(messages.HELP_LENGTH) % {
            "min_length": self.min_length,
            "max_length": self.max_length,
        }


class BlocklistValidator:
    """Not a common password or phrase, and not mostly a repeat, sequence or keyboard walk."""

    def validate(self, password: str, user: Any = None) -> None:
        if text.is_clearly_too_long(password):
            return  # LengthValidator refuses it; do not spend time on it
        if blocklist.is_common(text.normalise(password)):
            raise ValidationError(messages.COMMON, code="password_too_common")
        if blocklist.is_predictable(text.window(password)):
            raise ValidationError(messages.PATTERN, code="password_predictable_pattern")

    def get_help_text(self) -> str:
        return str(messages.HELP_COMMON)


class ContextWordsValidator:
    """Not built mostly from the person's email address, display name or shop names."""

    def validate(
        self, password: str, user: Any = None, *, context_words: Iterable[object] = ()
    ) -> None:
        words = context.context_words(user, context_words)
        if context.is_mostly_context(text.window(password), words):
            raise ValidationError(messages.CONTEXT, code="password_too_similar")

    def get_help_text(self) -> str:
        return str(messages.HELP_CONTEXT)


class StrengthValidator:
    """zxcvbn's estimate, with the person's details as known words, must reach `min_score`.

    Score 3 means zxcvbn estimates at least 10^8 guesses. Together with the 15-character minimum,
    the blocklist and the breached-password check this refuses long-but-predictable passwords
    ("Password12345678") without turning away ordinary passphrases of three or four words, which
    score 4 would often do at 15-20 characters.
    """

    def __init__(self, min_score: int = MIN_SCORE) -> None:
        self.min_score = min_score

    def assess(
        self, password: str, user: Any = None, *, context_words: Iterable[object] = ()
    ) -> engine.Analysis:
        words = context.context_words(user, context_words)
        return engine.analyse(text.window(password), words)

    def check(self, analysis: engine.Analysis) -> None:
        if analysis.score < self.min_score:
            raise ValidationError(messages.WEAK, code="password_too_guessable")

    def validate(
        self, password: str, user: Any = None, *, context_words: Iterable[object] = ()
    ) -> None:
        self.check(self.assess(password, user, context_words=context_words))

    def get_help_text(self) -> str:
        return str(messages.HELP_STRENGTH)


class BreachedPasswordValidator:
    """Not in the operator's offline copy of Have I Been Pwned's password list, when configured."""

    def __init__(self, path: str | None = None, min_count: int | None = None) -> None:
        self._path = path
        self._min_count = min_count

    @property
    def path(self) -> str:
        return self._path or str(getattr(settings, "SELLSAFE_BREACHED_PASSWORDS_FILE", "") or "")

    @property
    def min_count(self) -> int:
        if self._min_count is not None:
            return self._min_count
        return int(getattr(settings, "SELLSAFE_BREACHED_PASSWORDS_MIN_COUNT", 1))

    def validate(self, password: str, user: Any = None) -> None:
        path = self.path
        if not path or not password or text.length(password) > text.max_length():
            return
        # HIBP hashed what people typed; check both that and the normalised form we count.
        count = breached.breach_count(path, [password, text.normalise(password)])
        if count is not None and count >= max(self.min_count, 1):
            raise ValidationError(messages.BREACHED, code="password_breached")

    def get_help_text(self) -> str:
        return str(messages.HELP_BREACHED)
