import pytest

from sellsafe.core import tenancy
from sellsafe.shops import roles, services
from sellsafe.shops.models import Membership, Role


@pytest.fixture
def make_shop(make_user):
    """A shop with its owner: returns (shop, owner_membership)."""
    counter = iter(range(1000))

    def make(owner=None, slug=None):
        n = next(counter)
        owner = owner or make_user(email=f"owner{n}@example.com")
        shop = services.shop_create(
            actor=owner,
            name=f"Shop {n}",
            slug=slug or f"shop-{n}",
            country="GB",
            currency="GBP",
            timezone="Europe/London",
            contact_email=f"hello{n}@example.com",
        )
        with tenancy.scope(shop):
            return shop, Membership.objects.select_related("role", "user").get(user=owner)

    return make


@pytest.fixture
def add_member(make_user):
    """Add a member with a role key directly (as if they had accepted an invitation)."""

    def add(shop, role_key=roles.CATALOG, email=None):
        user = make_user(email=email or f"{role_key}-{shop.slug}@example.com")
        with tenancy.scope(shop):
            role = Role.objects.get(key=role_key)
            member = Membership.objects.create(shop=shop, user=user, role=role)
            member = Membership.objects.select_related("role").get(pk=member.pk)
            member.user = user  # keeps the test-only totp_secret for signing in
            return member

    return add
