"""Request guards for signed-in people: session lifetimes and the mandatory second factor."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from urllib.parse import urlencode

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.usersessions.middleware import UserSessionsMiddleware
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

from sellsafe.accounts import devices, services

# Only touch the session row when the last-seen stamp is this stale: saves a write per request.
LAST_SEEN_RESOLUTION = 60

Handler = Callable[[HttpRequest], HttpResponse]


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


class SessionTimeoutMiddleware:
    """End a session after SELLSAFE_SESSION_IDLE_SECONDS without a request, or after
    SELLSAFE_SESSION_ABSOLUTE_SECONDS since sign-in, whichever comes first. Also gives every browser
    the device cookie used to spot sign-ins from new devices."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and not _public(request):
            expired = self._check(request)
            if expired is not None:
                return expired
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL):
            devices.ensure_cookie(request, response)
        return response

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        session = request.session
        now = int(time.time())
        login_at = int(session.get(services.SESSION_LOGIN_AT, now))
        last_seen = int(session.get(services.SESSION_LAST_SEEN, now))
        reason = ""
        if now - login_at > settings.SELLSAFE_SESSION_ABSOLUTE_SECONDS:
            reason = "absolute"
        elif now - last_seen > settings.SELLSAFE_SESSION_IDLE_SECONDS:
            reason = "idle"
        if reason:
            user = request.user
            request.sellsafe_session_expired = True  # type: ignore[attr-defined]
            logout(request)
            services.session_expired(user=user, reason=reason)  # type: ignore[arg-type]
            messages.info(request, "Your session ended for your safety. Please sign in again.")
            query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
            url = reverse("account_login") + (f"?{query}" if query else "")
            return _redirect(request, url)
        if services.SESSION_LOGIN_AT not in session:
            session[services.SESSION_LOGIN_AT] = now
        if now - last_seen >= LAST_SEEN_RESOLUTION or services.SESSION_LAST_SEEN not in session:
            session[services.SESSION_LAST_SEEN] = now
        return None


# Pages a signed-in person without a second factor may still use: setting one up, signing out,
# confirming their email, and re-authenticating (allauth asks for it before adding a factor).
SETUP_URL_NAMES = frozenset(
    {
        "account_logout",
        "account_reauthenticate",
        "account_email_verification_sent",
        "account_confirm_email",
        "dev_mailbox",
        "dev_mailbox_message",
        "healthz",
        "password_strength",
        # Accepting an invitation grants nothing usable yet: the shop itself needs a second factor.
        "invitation_accept",
    }
)
SECOND_FACTOR_TYPES = ("totp", "webauthn")
# Public pages anyone may use signed in or not (the shop's storefront and its checkout): the
# seller's own session rules do not apply to them.
PUBLIC_NAMESPACES = frozenset({"storefront"})


def _public(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.namespace in PUBLIC_NAMESPACES


class RequireSecondFactorMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.SELLSAFE_REQUIRE_MFA
            and request.user.is_authenticated
            and not self._allowed(request)
            and not get_mfa_adapter().is_mfa_enabled(request.user, types=SECOND_FACTOR_TYPES)
        ):
            messages.warning(
                request,
                "Add a second factor before you continue: a passkey or security key is best, "
                "an authenticator app is fine.",
            )
            return _redirect(request, reverse("mfa_index"))
        return self.get_response(request)

    @staticmethod
    def _allowed(request: HttpRequest) -> bool:
        if request.path.startswith(settings.STATIC_URL):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        name = match.url_name or ""
        return (
            match.namespace in PUBLIC_NAMESPACES
            or name in SETUP_URL_NAMES
            or (name.startswith("mfa_") and name not in {"mfa_authenticate", "mfa_trust"})
        )


class ThrottledUserSessionsMiddleware(UserSessionsMiddleware):
    """allauth's session list, without a database write on every request.

    allauth updates the session's row (last seen, IP, browser) on each request: an UPDATE and a
    COMMIT per page view. We let it through at most once a minute per session — and at once when
    the IP address or the browser changes, so "session moved" detection keeps working.
    """

    KEY = "sellsafe_seen"
    EVERY_SECONDS = 60

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and session.session_key and user and user.is_authenticated:
            now = time.time()
            ip = get_account_adapter().get_client_ip(request)
            browser = hashlib.sha256(
                request.META.get("HTTP_USER_AGENT", "").encode(errors="replace")
            ).hexdigest()[:16]
            seen = session.get(self.KEY)
            fresh = (
                isinstance(seen, list)
                and len(seen) == 3
                and isinstance(seen[0], (int, float))
                and 0 <= now - seen[0] < self.EVERY_SECONDS
                and seen[1:] == [ip, browser]
            )
            if fresh:
                request._allauth_usersessions_tracked = {session.session_key}  # type: ignore[attr-defined]
            else:
                session[self.KEY] = [now, ip, browser]
        return super().__call__(request)
