"""Security emails are sent for every sensitive change, carry the anti-phishing code, and the
new-sign-in email's "not me" link secures the account."""

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from sellsafe.accounts import services
from sellsafe.accounts.models import User
from sellsafe.accounts.tasks import not_me_token
from sellsafe.audit import events
from sellsafe.audit.models import AuditEvent
from tests.support import STRONG_PASSWORD

PHRASE = "purple otter 42"
NEW_PASSWORD = "a completely different sentence about seven green kites"

# Email is sent after commit, as in production: these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


def test_password_change_email_carries_the_anti_phishing_code(
    client, make_user, sign_in, mailoutbox
):
    user = make_user()
    services.anti_phishing_phrase_set(user=user, phrase=PHRASE)
    sign_in(client, user)
    mailoutbox.clear()
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": STRONG_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("usersessions_list")  # offers to end the others
    [message] = mailoutbox
    assert "password" in message.subject.lower()
    first_lines = "\n".join(message.body.splitlines()[:3])
    assert PHRASE in first_lines
    assert AuditEvent.objects.filter(action=events.PASSWORD_CHANGED, subject_user=user).exists()


def test_factor_removed_and_added_and_codes_regenerated_send_email(
    client, make_user, sign_in, reauthenticate, mailoutbox
):
    user = make_user()
    services.anti_phishing_phrase_set(user=user, phrase=PHRASE)
    sign_in(client, user)
    reauthenticate(client)
    mailoutbox.clear()
    client.post(reverse("mfa_generate_recovery_codes"))
    client.post(reverse("mfa_deactivate_totp"))
    subjects = [m.subject for m in mailoutbox]
    assert any("recovery codes" in s.lower() for s in subjects), subjects
    assert any("authenticator app" in s.lower() or "deactivated" in s.lower() for s in subjects), (
        subjects
    )
    assert all(PHRASE in m.body for m in mailoutbox)
    actions = set(AuditEvent.objects.filter(subject_user=user).values_list("action", flat=True))
    assert {events.RECOVERY_CODES_REGENERATED, events.FACTOR_REMOVED} <= actions
    assert not Authenticator.objects.filter(user=user, type="totp").exists()


def test_email_without_a_phrase_suggests_setting_one(make_user, mailoutbox, client):
    user = make_user()
    client.post(reverse("account_reset_password"), {"email": user.email})
    assert "set an anti-phishing code" in mailoutbox[-1].body


def test_new_device_sign_in_sends_a_was_this_you_email(make_user, sign_in, mailoutbox):
    user = make_user()
    services.anti_phishing_phrase_set(user=user, phrase=PHRASE)
    first = Client(HTTP_USER_AGENT="Laptop")
    sign_in(first, user)
    assert not [m for m in mailoutbox if "New sign-in" in m.subject]  # the first sign-in ever
    second = Client(HTTP_USER_AGENT="Unknown phone", REMOTE_ADDR="203.0.113.9")
    sign_in(second, user)
    alerts = [m for m in mailoutbox if "New sign-in" in m.subject]
    assert len(alerts) == 1
    assert PHRASE in alerts[0].body
    assert "203.0.113.9" in alerts[0].body
    assert "/account/not-me/" in alerts[0].body


def test_same_device_and_ip_sign_in_sends_no_alert(make_user, sign_in, mailoutbox):
    user = make_user()
    laptop = Client()
    sign_in(laptop, user)
    laptop.post(reverse("account_logout"))
    sign_in(laptop, user)
    assert not [m for m in mailoutbox if "New sign-in" in m.subject]


def test_not_me_link_ends_every_session_and_disables_the_password(make_user, sign_in, mailoutbox):
    user = make_user()
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    sign_in(attacker, user)
    event = AuditEvent.objects.filter(action=events.LOGIN_SUCCEEDED).latest("occurred_at")
    owner = Client()
    url = reverse("console:not_me", args=[not_me_token(user=user, event_id=str(event.pk))])
    assert owner.get(url).status_code == 200
    response = owner.post(url)
    assert response["Location"] == reverse("account_reset_password")
    assert attacker.get("/").status_code == 302  # the attacker's session is gone
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert AuditEvent.objects.filter(action=events.NOT_ME_REPORTED, subject_user=user).exists()


def test_not_me_link_cannot_be_forged(client, make_user):
    user = make_user()
    token = not_me_token(user=user, event_id="x")
    for bad in (token[:-2] + "xx", "not-a-token", "a" * 500):
        assert client.post(reverse("console:not_me", args=[bad])).status_code == 400
    user.refresh_from_db()
    assert user.has_usable_password()


def test_anti_phishing_code_is_encrypted_and_change_is_notified(
    client, make_user, sign_in, reauthenticate, mailoutbox
):
    user = make_user()
    sign_in(client, user)
    reauthenticate(client)
    response = client.post(reverse("console:anti_phishing"), {"phrase": PHRASE})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.anti_phishing_phrase == PHRASE
    raw = User.objects.filter(pk=user.pk).values_list("anti_phishing_phrase", flat=True).get()
    assert PHRASE not in raw
    notice = [m for m in mailoutbox if "anti-phishing" in m.subject.lower()]
    assert notice and PHRASE in notice[0].body
    assert AuditEvent.objects.filter(action=events.ANTI_PHISHING_CHANGED).exists()


def test_anti_phishing_form_rejects_bad_input_and_keeps_it(
    client, make_user, sign_in, reauthenticate
):
    user = make_user()
    sign_in(client, user)
    reauthenticate(client)
    for bad in ("ab", "x" * 65, "bell\x07"):
        response = client.post(reverse("console:anti_phishing"), {"phrase": bad})
        assert response.status_code == 200
        assert 'class="errorlist"' in response.content.decode()
        assert response.context["form"]["phrase"].value() == bad  # what was typed is kept
    user.refresh_from_db()
    assert user.anti_phishing_phrase == ""
