"""Password policy: length on NFKC text, blocklist and patterns, context words, zxcvbn, breaches."""

import hashlib
import logging
import time
import unicodedata
from pathlib import Path

import pytest
import time_machine
import zxcvbn
from django.conf import settings as dj_settings
from django.contrib.auth.password_validation import (
    get_default_password_validators,
    password_validators_help_texts,
    validate_password,
)
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils.crypto import get_random_string

from sellsafe.accounts.passwords import (
    BlocklistValidator,
    BreachedPasswordValidator,
    ContextWordsValidator,
    LengthValidator,
    StrengthValidator,
    breached,
    engine,
    password_feedback,
)
from tests.support import STRONG_PASSWORD

FIXTURE = Path(__file__).parent / "fixtures" / "hibp-sample.txt"
BREACHED_PASSWORD = "velvet tractor umbrella"  # in the fixture, and passes every other rule
CLEAN_PASSWORD = "orchid lantern pebble drums"
STRONG_15 = "vivid oboe lynx"
URL = "/account/password-strength/"
# 128 code points: Cyrillic, Latin, Japanese, Greek, Georgian, emoji and spaces.
UNICODE_PASSPHRASE = (
    "Под ярким солнцем 🌞 el gato duerme, 猫は静かに眠る, and the kettle hums ☕ while "
    "ψηλά πετούν τα πουλιά 🐦 over quiet hills, მზე ანათებს ✨"
)


class Person:
    """Stands in for the user object allauth passes: only the attributes the policy reads."""

    def __init__(self, email="", display_name="", shops=()):
        self.email = email
        self.display_name = display_name
        self._password_context_words = shops


MARGUERITE = Person(
    email="marguerite.okonkwo@bluewidgets.example",
    display_name="Marguerite Okonkwo",
    shops=("Blue Widgets Emporium",),
)


def codes(password, user=None):
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return [error.code for error in exc.error_list]
    return []


def messages_for(password, user=None):
    with pytest.raises(ValidationError) as info:
        validate_password(password, user)
    return info.value.messages


@pytest.fixture(autouse=True)
def fresh_breach_state(settings):
    settings.SELLSAFE_BREACHED_PASSWORDS_FILE = ""  # tests that want the check turn it on
    breached._warned.clear()
    breached._verified.clear()
    yield
    breached._warned.clear()
    breached._verified.clear()


@pytest.fixture
def breach_file(settings):
    settings.SELLSAFE_BREACHED_PASSWORDS_FILE = str(FIXTURE)
    return FIXTURE


# --- Length -----------------------------------------------------------------------------------


def test_fourteen_characters_rejected_fifteen_accepted():
    assert len(STRONG_15) == 15
    assert codes(STRONG_15) == []
    assert codes(STRONG_15[:14]) == ["password_too_short"]
    assert "at least 15 characters" in messages_for(STRONG_15[:14])[0]


def test_the_shared_test_password_meets_the_policy():
    assert codes(STRONG_PASSWORD, Person(email="seller@example.com")) == []


def test_long_unicode_passphrase_with_spaces_and_emoji_accepted():
    assert len(unicodedata.normalize("NFKC", UNICODE_PASSPHRASE)) == 128
    assert codes(UNICODE_PASSPHRASE, MARGUERITE) == []


def test_maximum_accepted_and_one_more_rejected_without_truncation():
    words = "plum kite river sage "
    longest = (words * 20)[:255] + "x"
    assert len(longest) == 256
    LengthValidator().validate(longest)
    with pytest.raises(ValidationError) as info:
        LengthValidator().validate(longest + "y")
    assert info.value.error_list[0].code == "password_too_long"
    assert "256 characters" in info.value.messages[0]


def test_huge_input_is_refused_quickly():
    started = time.perf_counter()
    found = codes("Zq9 " * 250_000)
    assert "password_too_long" in found
    assert time.perf_counter() - started < 2


def test_length_is_counted_after_nfkc_normalisation():
    decomposed = "e\u0301" * 15  # 30 code points typed, 15 accented letters after NFKC
    LengthValidator().validate(decomposed)
    with pytest.raises(ValidationError):
        LengthValidator().validate("e\u0301" * 14)
    ligatures = "\ufb03" * 5  # "ﬃ" is one code point that NFKC turns into "ffi"
    LengthValidator().validate(ligatures)
    with pytest.raises(ValidationError) as info:
        LengthValidator().validate("\ufb03" * 86)  # 258 after normalisation
    assert info.value.error_list[0].code == "password_too_long"


def test_limits_follow_settings(settings):
    settings.SELLSAFE_PASSWORD_MIN_LENGTH = 20
    with pytest.raises(ValidationError):
        LengthValidator().validate(STRONG_15)


# --- Blocklist and patterns --------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "Correct Horse Battery Staple",
        "Password123456789!",
        "monkey!!!!!!!!!!",
        "P@ssw0rd12345678",
        "sunshine1234567",
        "harrypotter2007",
    ],
)
def test_common_passwords_rejected_with_a_reason(password):
    assert "password_too_common" in codes(password)
    message = " ".join(messages_for(password))
    assert "commonly used passwords" in message
    assert "attackers try it first" in message
    assert "four or more unrelated words" in message
    assert password not in message


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaaaaa",
        "123456789012345",
        "abcdefghijklmnop",
        "zyxwvutsrqponmlk",
        "135791357913579",
        "qwertyuiopasdfgh",
        "abcabcabcabcabc",
        "football football",
        "1 2 3 4 5 6 7 8 9 0 1 2 3 4 5",
    ],
)
def test_repetitive_sequential_and_keyboard_walks_rejected(password):
    assert "password_predictable_pattern" in codes(password)
    assert any("predictable pattern" in message for message in messages_for(password))


def test_ordinary_passphrases_are_not_patterns():
    validator = BlocklistValidator()
    for password in (CLEAN_PASSWORD, UNICODE_PASSPHRASE, "sweet dreams are made of this one"):
        validator.validate(password)


# --- Context words ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "marguerite.okonkwo2024!!",
        "okonkwo marguerite qwerty",
        "Marguerite Okonkwo 123456",
        "bluewidgets.example!!!!",
        "Emporium Blue Widgets 2025",
    ],
)
def test_passwords_built_from_the_person_details_rejected(password):
    assert "password_too_similar" in codes(password, MARGUERITE)
    message = " ".join(messages_for(password, MARGUERITE))
    assert "your email address, your name or your shop's name" in message
    assert "nothing to do with you" in message


def test_context_words_can_be_passed_explicitly():
    validator = ContextWordsValidator()
    validator.validate("lighthouse keepers unite 99")
    with pytest.raises(ValidationError):
        validator.validate("lighthouse keepers 1234", context_words=["Lighthouse Keepers"])


def test_a_name_inside_a_real_passphrase_is_fine():
    assert codes("marguerite plants velvet tractors on mars", MARGUERITE) == []


# --- Strength -----------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["jessicamichael1", "iloveyoumichael", "thebestpassword"])
def test_guessable_passwords_rejected_by_zxcvbn(password):
    assert codes(password) == ["password_too_guessable"]
    assert "too easy to guess" in messages_for(password)[0]


def test_strength_uses_the_person_details():
    validator = StrengthValidator()
    assert (
        validator.assess("okonkwo bluewidgets").score
        > validator.assess("okonkwo bluewidgets", MARGUERITE).score
    )


def test_bounded_engine_matches_zxcvbn_on_ordinary_passwords():
    for password in [
        "correct horse battery staple",
        "P@ssw0rd2024!",
        "Tr0ub4dor&3",
        "anna smith 1987",
        "qwerty123456",
        "jessicamichael1",
        CLEAN_PASSWORD,
    ]:
        ours = engine.analyse(password, ["anna", "smith"])
        theirs = zxcvbn.zxcvbn(password, user_inputs=["anna", "smith"])
        assert (ours.score, round(ours.guesses_log10, 6)) == (
            theirs["score"],
            round(theirs["guesses_log10"], 6),
        )


def test_hostile_input_stays_cheap():
    # Stock zxcvbn needs seconds for 100 characters like these (736 l33t substitution maps).
    hostile = ("4@8(3!1|0$5+7%29a" * 20)[:100]
    started = time.perf_counter()
    password_feedback(hostile * 3)
    assert time.perf_counter() - started < 2


# --- Breached passwords -------------------------------------------------------------------------


def test_breached_password_rejected_and_clean_one_accepted(breach_file):
    assert codes(BREACHED_PASSWORD) == ["password_breached"]
    message = messages_for(BREACHED_PASSWORD)[0]
    assert "leaked in data breaches" in message
    assert "Choose a different one" in message
    assert codes(CLEAN_PASSWORD) == []


def test_breach_check_uses_the_normalised_form_too(breach_file):
    fullwidth = "".join(
        chr(ord(char) + 0xFEE0) if char != " " else char for char in BREACHED_PASSWORD
    )
    assert unicodedata.normalize("NFKC", fullwidth) == BREACHED_PASSWORD
    assert codes(fullwidth) == ["password_breached"]


def test_first_and_last_lines_are_found():
    lines = FIXTURE.read_bytes().split(b"\r\n")
    first, last = lines[0], lines[-2]
    for line in (first, last):
        digest, count = line.split(b":")
        assert breached.hash_count(str(FIXTURE), [digest]) == int(count)
    assert breached.hash_count(str(FIXTURE), [b"F" * 40]) == 0
    assert breached.hash_count(str(FIXTURE), [b"0" * 40]) == 0


def test_lowercase_hashes_and_lf_line_ends(tmp_path, settings):
    text = FIXTURE.read_bytes().decode().lower().replace("\r\n", "\n").rstrip("\n")
    path = tmp_path / "lower.txt"
    path.write_text(text)  # and no newline after the last line
    settings.SELLSAFE_BREACHED_PASSWORDS_FILE = str(path)
    assert codes(BREACHED_PASSWORD) == ["password_breached"]
    assert codes(CLEAN_PASSWORD) == []


def test_min_count(breach_file, settings):
    settings.SELLSAFE_BREACHED_PASSWORDS_MIN_COUNT = 100
    assert codes(BREACHED_PASSWORD) == []  # seen 42 times, below the operator's threshold


def test_missing_file_is_skipped_with_one_warning(tmp_path, settings, caplog):
    settings.SELLSAFE_BREACHED_PASSWORDS_FILE = str(tmp_path / "absent.txt")
    with caplog.at_level(logging.WARNING, logger="sellsafe.accounts.passwords.breached"):
        assert codes(BREACHED_PASSWORD) == []
        assert codes(BREACHED_PASSWORD) == []
    assert len(caplog.records) == 1
    assert "cannot be read" in caplog.text
    assert_no_secret(caplog.text, BREACHED_PASSWORD)


def test_unsorted_file_is_detected_and_skipped(tmp_path, settings, caplog):
    lines = FIXTURE.read_bytes().split(b"\r\n")[:-1]
    path = tmp_path / "unsorted.txt"
    path.write_bytes(b"\r\n".join(reversed(lines)) + b"\r\n")
    settings.SELLSAFE_BREACHED_PASSWORDS_FILE = str(path)
    with caplog.at_level(logging.WARNING, logger="sellsafe.accounts.passwords.breached"):
        assert codes(BREACHED_PASSWORD) == []
        assert codes(CLEAN_PASSWORD) == []
    assert len(caplog.records) == 1
    assert "not sorted by hash" in caplog.text
    assert_no_secret(caplog.text, BREACHED_PASSWORD)


def test_file_in_another_format_is_skipped(tmp_path, settings, caplog):
    path = tmp_path / "ntlm.txt"
    path.write_text("not a hash file\nat all\n")
    settings.SELLSAFE_BREACHED_PASSWORDS_FILE = str(path)
    with caplog.at_level(logging.WARNING, logger="sellsafe.accounts.passwords.breached"):
        assert codes(BREACHED_PASSWORD) == []
    assert "SHA1HEX:COUNT" in caplog.text


def test_no_file_configured_means_no_check(settings):
    settings.SELLSAFE_BREACHED_PASSWORDS_FILE = ""
    BreachedPasswordValidator().validate(BREACHED_PASSWORD)


def assert_no_secret(text, password):
    digest = hashlib.sha1(password.encode()).hexdigest()
    assert password not in text
    assert digest not in text.lower()


# --- Help texts and feedback --------------------------------------------------------------------


def test_every_validator_has_help_text():
    assert len(get_default_password_validators()) == 5
    texts = password_validators_help_texts()
    assert len(texts) == 5
    assert all(text.strip() for text in texts)
    assert "at least 15 characters" in texts[0]


def test_feedback_for_an_empty_password():
    assert password_feedback("") == {
        "score": 0,
        "label": "",
        "acceptable": False,
        "problems": [],
        "suggestions": [],
    }


def test_feedback_for_a_weak_password_lists_the_validator_messages():
    feedback = password_feedback("password123456789")
    assert feedback["acceptable"] is False
    assert feedback["score"] <= 2
    assert feedback["label"] in {"Very weak", "Weak", "Not strong enough"}
    assert feedback["problems"] == messages_for("password123456789")
    assert feedback["suggestions"]


def test_feedback_for_a_strong_password():
    feedback = password_feedback(CLEAN_PASSWORD)
    assert feedback == {
        "score": 4,
        "label": "Strong",
        "acceptable": True,
        "problems": [],
        "suggestions": [],
    }


def test_feedback_never_shows_a_refused_password_as_good(breach_file):
    feedback = password_feedback(BREACHED_PASSWORD)
    assert feedback["score"] == 2
    assert feedback["acceptable"] is False
    assert feedback["problems"] == messages_for(BREACHED_PASSWORD)


def test_feedback_uses_context_words():
    feedback = password_feedback("Marguerite Okonkwo 123456", context_words=["Marguerite Okonkwo"])
    assert feedback["problems"] == messages_for("Marguerite Okonkwo 123456", MARGUERITE)


# --- Live strength view ---------------------------------------------------------------------------


@pytest.fixture
def strength_client(db):
    cache.clear()
    yield Client()
    cache.clear()


def test_view_returns_the_partial(strength_client):
    response = strength_client.post(URL, {"password1": CLEAN_PASSWORD}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="strength strength-4"' in body
    assert "aria-live" not in body  # the slot it is swapped into is the live region
    assert "style=" not in body
    assert CLEAN_PASSWORD not in body
    assert (
        response["Cache-Control"].startswith("no-store") or "no-cache" in response["Cache-Control"]
    )


def test_view_explains_problems_using_form_context(strength_client):
    response = strength_client.post(
        URL,
        {
            "password": "Marguerite Okonkwo 123456",
            "email": "m@example.com",
            "display_name": "Marguerite Okonkwo",
        },
    )
    body = response.content.decode()
    assert "strength-2" in body or "strength-1" in body or "strength-0" in body
    assert "your shop&#x27;s name" in body
    assert "Marguerite Okonkwo 123456" not in body


def test_view_refuses_get(strength_client):
    assert strength_client.get(URL).status_code == 405


def test_view_is_rate_limited(strength_client, settings):
    settings.SELLSAFE_PASSWORD_STRENGTH_PER_MINUTE = 3
    with time_machine.travel("2026-03-02 10:00:05", tick=False):
        statuses = [strength_client.post(URL, {"password1": "x"}).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = strength_client.post(URL, {"password1": "x"}).content.decode()
        assert "Too many strength checks" in refused
    with time_machine.travel("2026-03-02 10:01:05", tick=False):
        assert strength_client.post(URL, {"password1": "x"}).status_code == 200


def test_view_requires_csrf_token(db):
    cache.clear()
    client = Client(enforce_csrf_checks=True)
    assert client.post(URL, {"password1": CLEAN_PASSWORD}).status_code == 403
    token = get_random_string(32)
    client.cookies[dj_settings.CSRF_COOKIE_NAME] = token
    response = client.post(URL, {"password1": CLEAN_PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 200


def test_view_never_logs_the_password(strength_client, caplog):
    with caplog.at_level(logging.DEBUG):
        strength_client.post(URL, {"password1": BREACHED_PASSWORD})
        strength_client.get(URL)
    assert BREACHED_PASSWORD not in caplog.text


def test_view_renders_nothing_for_an_empty_password(strength_client):
    response = strength_client.post(URL, {"password1": ""})
    assert response.status_code == 200
    assert response.content == b""
