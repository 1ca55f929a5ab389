"""The session list's "last seen" is written at most once a minute, and at once on a new IP or
browser (so a session that moved is still noticed)."""

import datetime as dt

import pytest
import time_machine
from allauth.usersessions.models import UserSession

pytestmark = pytest.mark.django_db


def _row(user):
    return UserSession.objects.get(user=user)


def test_last_seen_is_written_at_most_once_a_minute(client, make_user, sign_in):
    user = make_user()
    with time_machine.travel(dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        sign_in(client, user)
        client.get("/")
        first = _row(user).last_seen_at
        clock.shift(dt.timedelta(seconds=30))
        client.get("/")
        assert _row(user).last_seen_at == first  # no write within the minute
        clock.shift(dt.timedelta(seconds=31))
        client.get("/")
        assert _row(user).last_seen_at > first


def test_a_new_ip_or_browser_is_recorded_at_once(client, make_user, sign_in):
    user = make_user()
    with time_machine.travel(dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        sign_in(client, user)
        client.get("/")
        clock.shift(dt.timedelta(seconds=5))
        client.get("/", REMOTE_ADDR="203.0.113.9")
        assert _row(user).ip == "203.0.113.9"
        clock.shift(dt.timedelta(seconds=5))
        client.get("/", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Other browser/1.0")
        assert _row(user).user_agent == "Other browser/1.0"
