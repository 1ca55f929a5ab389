"""The development mailbox shows mail written by the file backend, and only in development."""

import importlib

import pytest
from django.core import mail
from django.urls import NoReverseMatch, reverse

import sellsafe.urls


@pytest.fixture
def file_mail(settings, tmp_path):
    settings.SELLSAFE_MAIL_DIR = tmp_path
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }
    return tmp_path


def test_mailbox_lists_and_shows_sent_mail(client, db, file_mail):
    mail.send_mail("Hello seller", "Your code is 1234-ABCD", None, ["s@example.com"])
    page = client.get(reverse("dev_mailbox"))
    assert page.status_code == 200
    assert "Hello seller" in page.content.decode()
    [message] = page.context["mail"]
    detail = client.get(reverse("dev_mailbox_message", args=[message.id]))
    assert "1234-ABCD" in detail.content.decode()


def test_mailbox_refuses_path_tricks(client, db, file_mail):
    for bad in ("..%2F..%2Fetc%2Fpasswd:0", "x.log:99", "nothing"):
        assert client.get(f"/dev/mailbox/{bad}/").status_code == 404


def test_mailbox_is_off_in_production(client, db, settings):
    settings.PRODUCTION = True
    assert client.get("/dev/mailbox/").status_code == 404
    # And production does not even route it.
    settings.SELLSAFE_DEV_MAILBOX = False
    importlib.reload(sellsafe.urls)
    try:
        with pytest.raises(NoReverseMatch):
            reverse("dev_mailbox", urlconf=sellsafe.urls)
    finally:
        settings.SELLSAFE_DEV_MAILBOX = True
        importlib.reload(sellsafe.urls)
