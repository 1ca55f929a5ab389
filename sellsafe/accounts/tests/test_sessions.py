"""Session lifetimes, the session list, ending sessions, re-authentication."""

import time_machine
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

from sellsafe.audit import events
from sellsafe.audit.models import AuditEvent
from tests.support import STRONG_PASSWORD

HOME = "/account/activity/"  # any signed-in page (home sends people without a shop on)


def test_idle_timeout_ends_the_session(client, make_user, sign_in, settings):
    user = make_user()
    with time_machine.travel("2026-11-29 09:00:00+00:00", tick=False) as traveller:
        sign_in(client, user)
        traveller.shift(settings.SELLSAFE_SESSION_IDLE_SECONDS - 60)
        assert client.get(HOME).status_code == 200  # activity keeps it alive
        traveller.shift(settings.SELLSAFE_SESSION_IDLE_SECONDS - 60)
        assert client.get(HOME).status_code == 200
        traveller.shift(settings.SELLSAFE_SESSION_IDLE_SECONDS + 1)
        response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action=events.SESSION_EXPIRED, subject_user=user)
    assert event.changes == {"reason": "idle"}


def test_absolute_timeout_ends_even_an_active_session(client, make_user, sign_in, settings):
    user = make_user()
    settings.SELLSAFE_SESSION_ABSOLUTE_SECONDS = 3600
    with time_machine.travel("2026-11-29 09:00:00+00:00", tick=False) as traveller:
        sign_in(client, user)
        for _ in range(5):
            traveller.shift(600)
            assert client.get(HOME).status_code == 200
        traveller.shift(601)
        response = client.get(HOME)
    assert response.status_code == 302
    assert AuditEvent.objects.get(action=events.SESSION_EXPIRED).changes == {"reason": "absolute"}


def test_htmx_requests_get_a_client_side_redirect_on_expiry(client, make_user, sign_in, settings):
    user = make_user()
    with time_machine.travel("2026-11-29 09:00:00+00:00", tick=False) as traveller:
        sign_in(client, user)
        traveller.shift(settings.SELLSAFE_SESSION_IDLE_SECONDS + 1)
        response = client.get(HOME, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("account_login"))


def test_sessions_list_and_ending_another_session_really_ends_it(make_user, sign_in):
    user = make_user()
    laptop, phone = Client(HTTP_USER_AGENT="Laptop"), Client(HTTP_USER_AGENT="Phone")
    sign_in(laptop, user)
    sign_in(phone, user, code=None)
    assert UserSession.objects.filter(user=user).count() == 2
    page = laptop.get(reverse("usersessions_list"))
    assert page.status_code == 200
    assert "Phone" in page.content.decode()
    # "End all others" from the laptop.
    response = laptop.post(reverse("usersessions_list"), {"action": "logout"})
    assert response.status_code == 302
    assert phone.get(HOME).status_code == 302  # signed out on the phone
    assert laptop.get(HOME).status_code == 200  # still signed in here
    assert AuditEvent.objects.filter(action=events.SESSION_ENDED, subject_user=user).count() == 1


def test_sensitive_changes_need_recent_reauthentication(client, make_user, sign_in):
    user = make_user()
    with time_machine.travel("2026-11-29 09:00:00+00:00", tick=False) as traveller:
        sign_in(client, user)
        response = client.get(reverse("console:anti_phishing"))
        assert response["Location"].startswith(reverse("account_reauthenticate"))
        client.post(reverse("account_reauthenticate"), {"password": STRONG_PASSWORD})
        assert client.get(reverse("console:anti_phishing")).status_code == 200
        traveller.shift(5 * 60 + 1)
        for name in (
            "console:anti_phishing",
            "account_email",
            "mfa_deactivate_totp",
            "mfa_generate_recovery_codes",
        ):
            response = (
                client.get(reverse(name))
                if name != "account_email"
                else client.post(reverse(name), {"action_add": "", "email": "other@example.com"})
            )
            assert response.status_code == 302, name
            assert "/reauthenticate/" in response["Location"], name
        # Changing the password asks for the current one on the form itself.
        response = client.post(
            reverse("account_change_password"),
            {
                "password1": "a new sentence of many words",
                "password2": "a new sentence of many words",
            },
        )
        assert response.status_code == 200
        assert "oldpassword" in response.context["form"].errors
