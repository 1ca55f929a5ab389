"""Cross-cutting request middleware: request context and cache rules."""

from __future__ import annotations

from collections.abc import Callable

from allauth.core.internal.httpkit import get_client_ip
from django.http import HttpRequest, HttpResponse

from sellsafe.core import context

USER_AGENT_MAX = 300


class RequestContextMiddleware:
    """Give each request an id and remember its IP and user agent for audit records and logs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ctx = context.RequestContext(
            request_id=context.new_request_id(),
            ip=get_client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX],
        )
        request.request_id = ctx.request_id  # type: ignore[attr-defined]
        token = context.activate(ctx)
        try:
            response = self.get_response(request)
        finally:
            context.deactivate(token)
        response["X-Request-ID"] = ctx.request_id
        return response


NO_STORE_PREFIXES = ("/accounts/", "/account/", "/dev/mailbox/")
# Powerful browser features the console never uses; WebAuthn stays allowed for our own origin.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=(), "
    "publickey-credentials-get=(self), publickey-credentials-create=(self)"
)


class NoStoreMiddleware:
    """Pages about an account, or seen while signed in, must not be kept by browsers or proxies.
    Also sets the Permissions-Policy header on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if request.path.startswith("/static/"):
            return response
        user = getattr(request, "user", None)
        if getattr(response, "sellsafe_private_cache", False):
            return response  # a view that chose a private cache for its own bytes (product images)
        if request.path.startswith(NO_STORE_PREFIXES) or (user and user.is_authenticated):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response
