"""Live feedback for a strength meter: the same verdicts as the validators, plus a 0-4 score."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypedDict

from django.contrib.auth.password_validation import get_default_password_validators
from django.core.exceptions import ValidationError

from sellsafe.accounts.passwords import context, engine, messages, text
from sellsafe.accounts.passwords.validators import (
    MIN_SCORE,
    ContextWordsValidator,
    StrengthValidator,
)

# A password the policy refuses is never shown as "strong enough", whatever zxcvbn thinks of it.
REFUSED_MAX_SCORE = MIN_SCORE - 1


class Feedback(TypedDict):
    score: int
    label: str
    acceptable: bool
    problems: list[str]
    suggestions: list[str]


def _problems(
    password: str, user: Any, context_words: list[object]
) -> tuple[list[str], engine.Analysis | None]:
    problems: list[str] = []
    analysis: engine.Analysis | None = None
    for validator in get_default_password_validators():
        try:
            if isinstance(validator, StrengthValidator):
                analysis = validator.assess(password, user, context_words=context_words)
                validator.check(analysis)
            elif isinstance(validator, ContextWordsValidator):
                validator.validate(password, user, context_words=context_words)
            else:
                validator.validate(password, user)
        except ValidationError as exc:
            problems.extend(exc.messages)
    return list(dict.fromkeys(problems)), analysis


def password_feedback(
    password: str, *, user: Any = None, context_words: Iterable[object] = ()
) -> Feedback:
    """Score 0-4, a label, what is wrong (the validators' messages) and how to do better."""
    if not password:
        return Feedback(score=0, label="", acceptable=False, problems=[], suggestions=[])
    extra = list(context_words)
    problems, analysis = _problems(password, user, extra)
    if analysis is None:
        analysis = engine.analyse(text.window(password), context.context_words(user, extra))
    score = min(analysis.score, REFUSED_MAX_SCORE) if problems else analysis.score
    suggestions = [analysis.warning, *analysis.suggestions] if score < MIN_SCORE else []
    if score < MIN_SCORE and not problems:  # every problem message already ends with advice
        suggestions.append(str(messages.TIP))
    return Feedback(
        score=score,
        label=str(messages.LABELS[score]),
        acceptable=not problems,
        problems=problems,
        suggestions=list(dict.fromkeys(item for item in suggestions if item)),
    )
