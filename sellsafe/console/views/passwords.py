"""Live password-strength feedback for the sign-up and password-change forms (htmx partial)."""

from __future__ import annotations

import hashlib
import ipaddress
import time

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from sellsafe.accounts.passwords import password_feedback

TEMPLATE = "accounts/_password_strength.html"
DEFAULT_RATE_PER_MINUTE = 60
IPV6_PREFIX = 64
CONTEXT_FIELDS = ("email", "display_name")
MAX_CONTEXT_LENGTH = 254


def _client_key(request: HttpRequest) -> str:
    """The client's address (a whole /64 for IPv6, as one host usually owns it), hashed."""
    address = get_adapter().get_client_ip(request)
    try:
        parsed = ipaddress.ip_address(address)
        if parsed.version == 6:
            address = str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    except ValueError:
        pass
    return hashlib.sha256(address.encode()).hexdigest()[:32]


def _allowed(request: HttpRequest) -> bool:
    """At most SELLSAFE_PASSWORD_STRENGTH_PER_MINUTE checks per client address and minute."""
    limit = int(getattr(settings, "SELLSAFE_PASSWORD_STRENGTH_PER_MINUTE", DEFAULT_RATE_PER_MINUTE))
    key = f"sellsafe:password-strength:{_client_key(request)}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    return count <= limit


@sensitive_post_parameters("password", "password1", "password2")
@never_cache
@require_POST
@csrf_protect
def password_strength(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return render(request, TEMPLATE, {"rate_limited": True}, status=429)
    password = request.POST.get("password1") or request.POST.get("password") or ""
    user = request.user if request.user.is_authenticated else None
    context_words = [request.POST.get(name, "")[:MAX_CONTEXT_LENGTH] for name in CONTEXT_FIELDS]
    feedback = password_feedback(password, user=user, context_words=context_words)
    return render(request, TEMPLATE, {"feedback": feedback})
