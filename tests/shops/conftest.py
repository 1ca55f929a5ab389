"""Fixtures for the shop console tests: shops, members with a role, signed-in browsers."""

import pytest
from django.test import Client

from sellsafe.core import tenancy
from sellsafe.shops import roles, services
from sellsafe.shops.models import Membership, Role

SHOP_CONTEXT = "sellsafe.console.shop_context.shop_switcher"


@pytest.fixture
def make_shop(make_user):
    """A shop with its owner: returns (shop, owner_membership)."""
    counter = iter(range(1000))

    def make(owner=None, slug=None, name=None):
        n = next(counter)
        owner = owner or make_user(email=f"owner{n}-{slug or 'x'}@example.com")
        shop = services.shop_create(
            actor=owner,
            name=name or f"Shop {n}",
            slug=slug or f"shop-{n}",
            country="GB",
            currency="GBP",
            timezone="Europe/London",
            contact_email=f"hello{n}@example.com",
        )
        with tenancy.scope(shop):
            return shop, Membership.objects.select_related("role", "user", "shop").get(user=owner)

    return make


@pytest.fixture
def add_member(make_user):
    """Add a member with a role key directly (as if they had accepted an invitation)."""

    def add(shop, role_key=roles.CATALOG, email=None):
        user = make_user(email=email or f"{role_key}-{shop.slug}@example.com")
        with tenancy.scope(shop):
            role = Role.objects.get(key=role_key)
            member = Membership.objects.create(shop=shop, user=user, role=role)
            member = Membership.objects.select_related("role", "shop").get(pk=member.pk)
        member.user = user  # keeps the test-only TOTP secret for sign_in
        return member

    return add


@pytest.fixture
def browser():
    """A fresh browser signed in as `user` (session login: the pages are under test here, the
    sign-in flow has its own tests)."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def shop_context(settings):
    """Wire the shop switcher's context processor (until settings.py lists it)."""
    options = settings.TEMPLATES[0]["OPTIONS"]
    if SHOP_CONTEXT not in options["context_processors"]:
        templates = [dict(settings.TEMPLATES[0])]
        templates[0]["OPTIONS"] = {
            **options,
            "context_processors": [*options["context_processors"], SHOP_CONTEXT],
        }
        settings.TEMPLATES = templates
