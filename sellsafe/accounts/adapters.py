"""Sellsafe's hooks into django-allauth: encryption of MFA secrets, security mail, login records."""

from __future__ import annotations

import secrets
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from django.contrib import messages
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse

from sellsafe.accounts import mail, services
from sellsafe.accounts.mfa_secrets import MFA_SECRET_AAD
from sellsafe.core.crypto import decrypt_text, encrypt


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # Every message to a known account carries that person's anti-phishing code near the top.
        super().send_mail(template_prefix, email, {**context, **mail.phrase_context(email=email)})

    def clean_password(self, password: str, user: Any = None) -> str:
        # allauth checks a sign-up password against a throwaway user holding only the email; give
        # it the name typed on the same form, so "Dana Smith 2026!" is caught as built from it.
        if user is not None and not getattr(user, "display_name", "") and self.request:
            user.display_name = str(self.request.POST.get("display_name", ""))[:150]
        return super().clean_password(password, user=user)

    def send_account_already_exists_mail(self, email: str) -> None:
        # A real sign-up hashes a password; do the same work here so timing does not tell
        # a taken address from a free one.
        make_password(secrets.token_urlsafe(32))
        super().send_account_already_exists_mail(email)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            services.login_throttled(email=str(credentials.get("email", "")))
            raise
        if services.password_login_suspended(email=str(credentials.get("email", ""))):
            # Same words as a wrong password: the owner learns why by email, an attacker learns nothing.
            raise self.validation_error("email_password_mismatch")

    def get_password_change_redirect_url(self, request: HttpRequest) -> str:
        # Offer to end the other sessions: a changed password does not sign anyone else out.
        messages.info(
            request,
            "Your password is changed. If someone else may have known it, end your other "
            "sessions below.",
        )
        return reverse("usersessions_list")

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        services.login_failed(email=str(credentials.get("email", "")))

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return services.signup_open()


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are stored encrypted with the core crypto module."""

    def encrypt(self, text: str) -> str:
        return encrypt(text, aad=MFA_SECRET_AAD)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_text(encrypted_text, aad=MFA_SECRET_AAD)


class UserSessionsAdapter(DefaultUserSessionsAdapter):
    def end_sessions(self, sessions: Any) -> None:
        services.sessions_end(sessions=list(sessions))
