"""What the person reads: why a password was refused and how to choose a better one.

No message ever contains the password, a part of it or its hash.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

TIP = _("A sentence of four or more unrelated words works well.")

TOO_SHORT = ngettext_lazy(
    "This password is too short: use at least %(min_length)d character. A short sentence, or "
    "four or more unrelated words, is long enough and easy to remember.",
    "This password is too short: use at least %(min_length)d characters. A short sentence, or "
    "four or more unrelated words, is long enough and easy to remember.",
    "min_length",
)
TOO_LONG = ngettext_lazy(
    "This password is longer than the %(max_length)d character we accept. Shorten it: a "
    "passphrase of a few words is plenty.",
    "This password is longer than the %(max_length)d characters we accept. Shorten it: a "
    "passphrase of a few words is plenty.",
    "max_length",
)
COMMON = _(
    "This password is on a list of commonly used passwords and phrases, so attackers try it "
    "first. Choose something less predictable — a sentence of four or more unrelated words "
    "works well."
)
PATTERN = _(
    "This password is mostly a predictable pattern — repeated characters, a sequence such as "
    "“abcd” or “1234”, or a row of keys on the keyboard — so attackers try it early. Choose "
    "something less predictable — a sentence of four or more unrelated words works well."
)
CONTEXT = _(
    "This password is mostly made of your email address, your name or your shop's name, which "
    "attackers try first. Choose something that has nothing to do with you or your shop — a "
    "sentence of four or more unrelated words works well."
)
WEAK = _(
    "This password would be too easy to guess: it is built from common words, names, dates or "
    "patterns that attackers try early. Add a few more unrelated words, or use a sentence only "
    "you would think of."
)
BREACHED = _(
    "This password appears in a list of passwords leaked in data breaches, so attackers try it "
    "first. Choose a different one — a sentence of four or more unrelated words works well."
)

HELP_LENGTH = _(
    "Use at least %(min_length)d characters (at most %(max_length)d). Spaces, accents, any "
    "alphabet and emoji are welcome; there are no rules about mixing letters, digits or symbols."
)
HELP_COMMON = _(
    "Avoid common passwords and phrases, and patterns such as “aaaa”, “1234” or “qwerty”."
)
HELP_CONTEXT = _("Do not build it from your email address, your name or your shop's name.")
HELP_STRENGTH = _(
    "Make it hard to guess: four or more unrelated words, or a sentence only you would think of."
)
HELP_BREACHED = _("It must not be a password that was leaked in a data breach.")

LABELS = {
    0: _("Very weak"),
    1: _("Weak"),
    2: _("Not strong enough"),
    3: _("Strong enough"),
    4: _("Strong"),
}
