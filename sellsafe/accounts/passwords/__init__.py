"""Password policy for seller accounts (NIST SP 800-63B-4, ASVS 5.0 V6.2); see docs/passwords.md.

`text` (normalisation, lengths) · `blocklist` (shipped lists, patterns) · `context` (the person's
own details) · `engine` (bounded zxcvbn) · `breached` (offline HIBP file) · `validators` ·
`feedback` (live strength meter).
"""

from sellsafe.accounts.passwords.feedback import Feedback, password_feedback
from sellsafe.accounts.passwords.validators import (
    BlocklistValidator,
    BreachedPasswordValidator,
    ContextWordsValidator,
    LengthValidator,
    StrengthValidator,
)

__all__ = [
    "BlocklistValidator",
    "BreachedPasswordValidator",
    "ContextWordsValidator",
    "Feedback",
    "LengthValidator",
    "StrengthValidator",
    "password_feedback",
]
