"""Sign-in: session fixation, second factor, rate limits with a cool-off, the 100-failure cap."""

import re

import time_machine
from allauth.account.models import EmailAddress
from django.urls import reverse

from sellsafe.accounts import services
from sellsafe.accounts.models import User
from sellsafe.audit import events
from sellsafe.audit.models import AuditEvent
from tests.support import STRONG_PASSWORD, totp_now


def test_signup_requires_email_verification_then_a_second_factor(client, db, mailoutbox):
    response = client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": STRONG_PASSWORD, "display_name": "Nia"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="new@example.com")
    assert user.display_name == "Nia"
    assert not EmailAddress.objects.get(user=user).verified
    # Not signed in until the address is confirmed with the emailed code.
    assert client.get(reverse("console:home"))["Location"].startswith("/accounts/login/")
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mailoutbox[-1].body, re.M).group(1)
    assert (
        client.post(reverse("account_email_verification_sent"), {"code": "AAAA-AAAA"}).status_code
        == 200
    )
    client.post(reverse("account_email_verification_sent"), {"code": code})
    assert EmailAddress.objects.get(user=user).verified
    if "_auth_user_id" not in client.session:
        client.post("/accounts/login/", {"login": "new@example.com", "password": STRONG_PASSWORD})
    # Signed in, but every console page sends the person to set up a second factor first.
    response = client.get(reverse("console:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index")
    # Adding a factor is a sensitive change: it needs the password again first.
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": STRONG_PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_session_id_changes_at_login(client, make_user, sign_in):
    user = make_user()
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    sign_in(client, user)
    after = client.session.session_key
    assert before and after and before != after
    assert client.get(reverse("console:account_activity")).status_code == 200


def test_wrong_totp_code_does_not_sign_in(client, make_user):
    user = make_user()
    client.post("/accounts/login/", {"login": user.email, "password": STRONG_PASSWORD})
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=events.SECOND_FACTOR_FAILED, subject_user=user).exists()


def test_a_totp_code_cannot_be_used_twice(client, make_user, sign_in, settings):
    user = make_user()
    code = totp_now(user.totp_secret)
    assert sign_in(client, user, code=code)["Location"] == reverse("console:home")
    client.post(reverse("account_logout"))
    other = client.__class__()
    response = sign_in(other, user, code=code)
    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in other.session


def test_only_the_current_totp_step_is_accepted(client, make_user):
    """A code from the step before (30 s old) or after is refused: a phished code is useful for
    under 30 s. (allauth's MFA_TOTP_TOLERANCE stays 0; docs/security.md, "Second factor".)"""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    user = make_user()
    step = 60_000_000  # 2027-01-15 08:00 UTC; the clock stands mid-step below

    def signed_in_with_code_of(counter: int) -> bool:
        fresh = client.__class__()
        with time_machine.travel(step * 30 + 15, tick=False):
            fresh.post("/accounts/login/", {"login": user.email, "password": STRONG_PASSWORD})
            code = format_hotp_value(hotp_value(user.totp_secret, counter))
            fresh.post("/accounts/2fa/authenticate/", {"code": code})
        return "_auth_user_id" in fresh.session

    assert not signed_in_with_code_of(step - 1)
    assert not signed_in_with_code_of(step + 1)
    assert signed_in_with_code_of(step)


def test_failed_logins_are_recorded_without_the_typed_text(client, make_user):
    user = make_user()
    client.post("/accounts/login/", {"login": user.email, "password": "wrong password here!"})
    client.post("/accounts/login/", {"login": "nobody@example.com", "password": "x" * 20})
    failed = AuditEvent.objects.filter(action=events.LOGIN_FAILED)
    assert failed.filter(subject_user=user).count() == 1
    assert failed.filter(subject_user=None, target_id="unknown").count() == 1
    for event in failed:
        assert "secret" not in str(event.changes) and "wrong" not in str(event.changes)


def test_lockout_after_repeated_failures_then_recovery_after_cool_off(client, make_user, sign_in):
    user = make_user()
    with time_machine.travel("2026-11-29 10:00:00+00:00", tick=True) as traveller:
        for _ in range(5):
            response = client.post(
                "/accounts/login/", {"login": user.email, "password": "not the password at all"}
            )
            assert response.status_code == 200
        # Now even the right password is refused, with a plain explanation.
        response = client.post(
            "/accounts/login/", {"login": user.email, "password": STRONG_PASSWORD}
        )
        assert response.status_code == 200
        assert "Too many failed login attempts" in response.content.decode()
        assert AuditEvent.objects.filter(action=events.LOGIN_LOCKED, subject_user=user).exists()
        traveller.shift(5 * 60 + 1)
        response = sign_in(client, user)
        assert response.status_code == 302
        assert response["Location"] == reverse("console:home")


def test_password_sign_in_pauses_after_100_consecutive_failures(
    client, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    user = make_user()
    User.objects.filter(pk=user.pk).update(failed_logins=services.MAX_CONSECUTIVE_FAILURES - 1)
    with django_capture_on_commit_callbacks(execute=True):
        services.login_failed(email=user.email)
    assert any("paused" in m.subject for m in mailoutbox)
    response = client.post("/accounts/login/", {"login": user.email, "password": STRONG_PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    # The same words as a wrong password: nothing tells an attacker the account is special.
    assert (
        "The email address and/or password you specified are not correct."
        in response.content.decode()
    )


def test_successful_sign_in_resets_the_failure_count(client, make_user, sign_in):
    user = make_user()
    User.objects.filter(pk=user.pk).update(failed_logins=7)
    sign_in(client, user)
    user.refresh_from_db()
    assert user.failed_logins == 0
