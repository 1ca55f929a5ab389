"""Fixtures for the shop console tests: shops, members with a role, signed-in browsers."""

import pytest
from django.test import Client


@pytest.fixture
def browser():
    """A fresh browser signed in as `user` (session login: the pages are under test here, the
    sign-in flow has its own tests)."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make
