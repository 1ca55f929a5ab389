"""Thin receivers: each allauth/Django signal calls exactly one account service."""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib import messages
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from sellsafe.accounts import devices, services


@receiver(account_signals.user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    services.login_succeeded(
        user=user, session=request.session, device_cookie=devices.cookie_value(request)
    )


@receiver(auth_signals.user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if not getattr(request, "sellsafe_session_expired", False):  # already recorded as expiry
        services.logged_out(user=user)


@receiver(account_signals.user_signed_up)
def _signed_up(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    services.user_signed_up(user=user)


@receiver(account_signals.password_changed)
@receiver(account_signals.password_set)
def _password_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    services.password_changed(user=user, reset=False)


@receiver(account_signals.password_reset)
def _password_reset(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    services.password_changed(user=user, reset=True)


@receiver(account_signals.email_changed)
def _email_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    old = kwargs.get("from_email_address")
    new = kwargs["to_email_address"]
    services.email_changed(user=user, old=old.email if old else None, new=new.email)


@receiver(mfa_signals.authenticator_added)
@receiver(mfa_signals.authenticator_reset)
def _factor_added(sender: Any, request: Any, user: Any, authenticator: Any, **kw: Any) -> None:
    services.factor_changed(user=user, authenticator=authenticator, added=True)
    _offer_to_end_other_sessions(request)


@receiver(mfa_signals.authenticator_removed)
def _factor_removed(sender: Any, request: Any, user: Any, authenticator: Any, **kw: Any) -> None:
    services.factor_changed(user=user, authenticator=authenticator, added=False)
    _offer_to_end_other_sessions(request)


def _offer_to_end_other_sessions(request: Any) -> None:
    if request is not None and hasattr(request, "_messages"):
        messages.info(
            request,
            "Your sign-in methods changed. Review where you are signed in: "
            "Account > Sessions lets you end every other session.",
        )


@receiver(mfa_signals.authentication_failed)
def _second_factor_failed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    services.second_factor_failed(user=user, reauthentication=bool(kwargs.get("reauthentication")))
