"""Checkout rate limits: attempts per client address and per buyer email, in fixed windows counted
by `core.ratelimit` (one Redis round trip, or one upsert statement, per counter). Keys are hashes,
so no store holds an address or email in plain text."""

from __future__ import annotations

import hashlib
import ipaddress

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.http import HttpRequest

from sellsafe.core import ratelimit
from sellsafe.orders import pii

WINDOW_SECONDS = 3600
DEFAULT_PER_IP = 30
DEFAULT_PER_EMAIL = 10
IPV6_PREFIX = 64


def _digest(value: str) -> str:
    return hashlib.sha256(f"sellsafe-checkout:{value}".encode()).hexdigest()[:32]


def client_key(request: HttpRequest) -> str:
    address = str(get_adapter().get_client_ip(request) or "")
    try:
        parsed = ipaddress.ip_address(address)
        if parsed.version == 6:  # one host usually owns a whole /64
            address = str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    except ValueError:
        pass
    return _digest(address)


def checkout_allowed(request: HttpRequest, *, shop_id: str, email: object) -> bool:
    """Count this checkout attempt against the client's address and (if given) the email, both in
    one round trip; allowed while both are within their limits."""
    per_ip = int(getattr(settings, "SELLSAFE_CHECKOUT_PER_IP_PER_HOUR", DEFAULT_PER_IP))
    per_email = int(getattr(settings, "SELLSAFE_CHECKOUT_PER_EMAIL_PER_HOUR", DEFAULT_PER_EMAIL))
    keys, limits = [f"checkout:ip:{client_key(request)}"], [per_ip]
    if isinstance(email, str) and email.strip() and len(email) <= 254:
        keys.append(f"checkout:email:{_digest(f'{shop_id}:{pii.normalise_email(email)}')}")
        limits.append(per_email)
    counts = ratelimit.hits(keys, window_seconds=WINDOW_SECONDS)
    return all(count <= limit for count, limit in zip(counts, limits, strict=True))


TOO_MANY_POSTS = "Too many attempts. Please try again in an hour, or contact the shop."


def order_posts_allowed(kind: str, order_id: object, *, per_hour: int) -> bool:
    """Count one post of `kind` ("return", "cancel") on a buyer's order link: the link is the
    buyer's only credential, so each order gets a few posts an hour, whoever sends them."""
    (count,) = ratelimit.hits([f"buyer-{kind}:{order_id}"], window_seconds=WINDOW_SECONDS)
    return count <= per_hour
