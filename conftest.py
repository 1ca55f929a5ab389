"""Shared test fixtures: real accounts, real second factors, the real sign-in flow."""

import pytest

from tests.support import STRONG_PASSWORD, totp_now


@pytest.fixture
def make_user(db):
    """Create a verified account. `second_factor=True` also activates TOTP (returns the secret)."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from sellsafe.accounts.models import User

    def make(email="seller@example.com", password=STRONG_PASSWORD, second_factor=True, **extra):
        user = User.objects.create_user(email, password, **extra)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        user.totp_secret = None
        if second_factor:
            user.totp_secret = generate_totp_secret()
            TOTP.activate(user, user.totp_secret)
            RecoveryCodes.activate(user)
        return user

    return make


@pytest.fixture
def sign_in():
    """Sign in through the real allauth views: password, then the TOTP code if the user has one."""

    def do(client, user, password=STRONG_PASSWORD, code=None):
        client.get("/accounts/login/")
        response = client.post("/accounts/login/", {"login": user.email, "password": password})
        if response.status_code == 302 and response["Location"].endswith(
            "/accounts/2fa/authenticate/"
        ):
            response = client.post(
                "/accounts/2fa/authenticate/", {"code": code or _fresh_code(user)}
            )
        return response

    def _fresh_code(user):
        # A TOTP code works once: the first sign-in uses the app's code, later ones a recovery code.
        if not getattr(user, "_totp_used", False):
            user._totp_used = True
            return totp_now(user.totp_secret)
        from allauth.mfa.models import Authenticator
        from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

        codes = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
        return RecoveryCodes(codes).get_unused_codes()[0]

    return do


@pytest.fixture
def steady_rate_window():
    """For tests that count hits up to a limit: start them with at least a minute left in the
    hour's fixed rate window, so the count cannot restart half-way (core.ratelimit)."""
    import time

    from sellsafe.storefront.limits import WINDOW_SECONDS

    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < 60:
        time.sleep(left + 0.05)


@pytest.fixture
def outbox(mailoutbox):
    return mailoutbox


@pytest.fixture
def reauthenticate():
    def do(client, password=STRONG_PASSWORD):
        return client.post("/accounts/reauthenticate/", {"password": password})

    return do


@pytest.fixture(autouse=True)
def _fresh_shared_cache(settings):
    """Rate limits and TOTP replay memory live in the shared cache. The database cache is rolled
    back with each test; Redis is not, so tests that run against it start from an empty cache."""
    if "redis" in settings.CACHES["default"]["BACKEND"].lower():
        from django.core.cache import cache

        cache.clear()


@pytest.fixture
def make_shop(make_user):
    """A shop with its owner (created through the real service): returns (shop, owner_membership)."""
    from sellsafe.core import tenancy
    from sellsafe.shops import services
    from sellsafe.shops.models import Membership

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
            member = Membership.objects.select_related("role", "shop").get(user=owner)
        member.user = owner  # keeps the test-only TOTP secret for sign_in
        return shop, member

    return make


@pytest.fixture
def add_member(make_user):
    """Add a member with a role key directly (as if they had accepted an invitation)."""
    from sellsafe.core import tenancy
    from sellsafe.shops import roles
    from sellsafe.shops.models import Membership, Role

    def add(shop, role_key=roles.CATALOG, email=None):
        user = make_user(email=email or f"{role_key}-{shop.slug}@example.com")
        with tenancy.scope(shop):
            role = Role.objects.get(key=role_key)
            member = Membership.objects.create(shop=shop, user=user, role=role)
            member = Membership.objects.select_related("role", "shop").get(pk=member.pk)
        member.user = user  # keeps the test-only TOTP secret for sign_in
        return member

    return add
