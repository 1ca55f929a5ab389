"""When the operator enables Django admin, it signs in through allauth: same rate limits, same
second factor."""

import importlib

import pytest
from django.test import override_settings
from django.urls import clear_url_caches

import sellsafe.urls


@pytest.fixture
def admin_urls(settings):
    settings.SELLSAFE_ADMIN_ENABLED = True
    settings.INSTALLED_APPS = ["django.contrib.admin", *settings.INSTALLED_APPS]
    importlib.reload(sellsafe.urls)
    clear_url_caches()
    yield
    settings.SELLSAFE_ADMIN_ENABLED = False
    importlib.reload(sellsafe.urls)
    clear_url_caches()


def test_admin_login_goes_through_allauth_and_second_factor(client, make_user, sign_in, admin_urls):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    staff = make_user(email="ops@example.com", is_staff=True, is_superuser=True)
    # The password alone is not enough: allauth asks for the second factor.
    response = client.post(
        "/accounts/login/",
        {"login": staff.email, "password": "correct horse battery staple on a quiet tuesday"},
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/admin/").status_code == 302
    sign_in(client, staff)
    # (The admin index needs the admin log table, which this test database was built without.)
    assert client.get("/admin/auth/group/").status_code == 200


def test_admin_refuses_signed_in_non_staff(client, make_user, sign_in, admin_urls):
    sign_in(client, make_user())
    assert client.get("/admin/login/").status_code == 403


@override_settings()
def test_admin_is_off_by_default(client, db):
    assert client.get("/admin/").status_code == 404
