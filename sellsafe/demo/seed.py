"""Demo data: a seller account with a second factor, created once and kept across runs."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sellsafe.accounts.models import User
from sellsafe.accounts.services import anti_phishing_phrase_set
from sellsafe.core import tenancy
from sellsafe.demo.catalog import seed_catalog
from sellsafe.demo.orders import seed_orders
from sellsafe.shops import roles
from sellsafe.shops import services as shop_services
from sellsafe.shops.models import Membership, Role, Shop

DEMO_EMAIL = "owner@demo.sellsafe.test"
WORDS = (
    "amber", "basil", "cobalt", "dune", "ember", "fjord", "glacier", "harbor", "indigo", "juniper",
    "kestrel", "lagoon", "meadow", "nectar", "orchid", "pepper", "quartz", "raven", "saffron",
    "tundra", "umber", "velvet", "willow", "yarrow", "zephyr",
)  # fmt: skip


@dataclass
class DemoLogin:
    email: str
    password: str
    totp_secret: str
    totp_url: str
    recovery_codes: list[str]
    anti_phishing_phrase: str


def credentials_file() -> Path:
    return Path(settings.DATA_DIR) / "demo-login.json"


def _passphrase() -> str:
    return " ".join(secrets.choice(WORDS) for _ in range(5)) + f" {secrets.randbelow(90) + 10}"


@transaction.atomic
def seed_owner() -> DemoLogin:
    path = credentials_file()
    user = User.objects.filter(email=DEMO_EMAIL).first()
    if user is not None and path.exists():
        saved = json.loads(path.read_text())
        password = saved["password"]
    else:
        password = _passphrase()
        if user is None:
            user = User.objects.create_user(DEMO_EMAIL, password, display_name="Dana Demo")
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=DEMO_EMAIL, defaults={"verified": True, "primary": True}
        )
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is None:
        totp = TOTP.activate(user, generate_totp_secret()).instance
    codes = Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).first()
    if codes is None:
        codes = RecoveryCodes.activate(user).instance
    if not user.anti_phishing_phrase:
        anti_phishing_phrase_set(user=user, phrase="purple otter 42")
    adapter = get_mfa_adapter()
    secret = adapter.decrypt(totp.data["secret"])
    login = DemoLogin(
        email=DEMO_EMAIL,
        password=password,
        totp_secret=secret,
        totp_url=adapter.build_totp_url(user, secret),
        recovery_codes=RecoveryCodes(codes).get_unused_codes(),
        anti_phishing_phrase=user.anti_phishing_phrase,
    )
    seed_shop(owner=user)
    _write_private(path, json.dumps(asdict(login), indent=2))
    return login


DEMO_SHOP_SLUG = "dana-ceramics"
DEMO_STAFF = (
    ("sam@demo.sellsafe.test", "Sam Stock", roles.CATALOG, None),
    ("agency@demo.sellsafe.test", "Bright Agency", roles.ANALYST, 30),
)


def seed_shop(*, owner: User) -> Shop:
    """The demo shop with two staff members (one with access ending in 30 days) and a pending
    invitation. Kept as it is when it exists."""
    shop = Shop.objects.filter(slug=DEMO_SHOP_SLUG).first()
    if shop is not None:
        with tenancy.scope(shop):
            owner_membership = Membership.objects.select_related("role").get(user=owner)
        seed_catalog(shop=shop, owner=owner_membership)
        seed_orders(shop=shop, owner=owner_membership)
        return shop
    shop = shop_services.shop_create(
        actor=owner,
        name="Dana's Ceramics",
        slug=DEMO_SHOP_SLUG,
        country="GB",
        currency="GBP",
        timezone="Europe/London",
        contact_email="hello@dana-ceramics.example",
        phishing_resistant_roles=[],
    )
    with tenancy.scope(shop):
        owner_membership = Membership.objects.select_related("role", "user").get(user=owner)
        for email, name, role_key, days in DEMO_STAFF:
            person = User.objects.filter(email=email).first() or User.objects.create_user(
                email, _passphrase(), display_name=name
            )
            EmailAddress.objects.get_or_create(
                user=person, email=email, defaults={"verified": True, "primary": True}
            )
            Membership.objects.create(
                shop=shop,
                user=person,
                role=Role.objects.get(key=role_key),
                access_ends_at=timezone.now() + timedelta(days=days) if days else None,
            )
        shop_services.member_invite(
            actor=owner_membership,
            shop=shop,
            email="new-packer@demo.sellsafe.test",
            role=Role.objects.get(key=roles.FULFILMENT),
        )
    seed_catalog(shop=shop, owner=owner_membership)
    seed_orders(shop=shop, owner=owner_membership)
    return shop


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
