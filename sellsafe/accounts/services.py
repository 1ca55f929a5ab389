"""Writes about accounts: sign-in records, failures, sessions, security settings.

Every function is keyword-only, runs in one transaction and records an audit event in it; emails
and tasks are queued with `transaction.on_commit` so nothing is sent for a change that rolled back.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sellsafe.accounts import devices
from sellsafe.accounts.models import User
from sellsafe.audit import events
from sellsafe.audit.selectors import has_signed_in_from
from sellsafe.audit.services import record
from sellsafe.core import context
from sellsafe.core.masking import mask_email

# NIST SP 800-63B: at most 100 consecutive failed attempts on one account. Beyond this, password
# sign-in for the account pauses until its owner resets the password from the emailed link.
MAX_CONSECUTIVE_FAILURES = 100

SESSION_LOGIN_AT = "sellsafe_login_at"
SESSION_LAST_SEEN = "sellsafe_last_seen"


def _user_by_email(email: str) -> User | None:
    email = email.strip().lower()
    if not email:
        return None
    return User.objects.filter(email=email).first()


def signup_open() -> bool:
    return bool(getattr(settings, "SELLSAFE_SIGNUP_OPEN", True))


@transaction.atomic
def user_signed_up(*, user: User) -> None:
    record(action=events.SIGNED_UP, actor=user, target_type="user", target_id=str(user.pk))


@transaction.atomic
def login_succeeded(*, user: User, session: SessionBase, device_cookie: str | None) -> None:
    """Record a sign-in; warn the owner by email when it comes from a new device or a new IP."""
    now = timezone.now()
    session[SESSION_LOGIN_AT] = int(now.timestamp())
    session[SESSION_LAST_SEEN] = int(now.timestamp())
    ip = context.current().ip
    device = devices.fingerprint(device_cookie) if device_cookie else ""
    seen_before = has_signed_in_from(user=user)
    new_ip = not has_signed_in_from(user=user, ip=ip)
    new_device = not device or not has_signed_in_from(user=user, device=device)
    User.objects.filter(pk=user.pk, failed_logins__gt=0).update(failed_logins=0)
    event = record(
        action=events.LOGIN_SUCCEEDED,
        actor=user,
        target_type="session",
        target_id=(session.session_key or "")[:8],
        changes={"new_device": new_device, "new_ip": new_ip},
        device=device,
    )
    if seen_before and (new_ip or new_device):
        from sellsafe.accounts.tasks import send_new_login_alert

        transaction.on_commit(lambda: send_new_login_alert.enqueue(event_id=str(event.pk)))


@transaction.atomic
def login_failed(*, email: str) -> None:
    """Count a failed password attempt. Typed text is never stored: people type passwords into the
    email field, so an unknown login stays anonymous."""
    user = _user_by_email(email)
    if user is None:
        record(action=events.LOGIN_FAILED, target_type="account", target_id="unknown")
        return
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins"])
    record(action=events.LOGIN_FAILED, subject=user, target_type="user", target_id=str(user.pk))
    if user.failed_logins == MAX_CONSECUTIVE_FAILURES:
        from sellsafe.accounts.tasks import send_login_suspended_notice

        transaction.on_commit(lambda: send_login_suspended_notice.enqueue(user_id=str(user.pk)))


@transaction.atomic
def second_factor_failed(*, user: User, reauthentication: bool) -> None:
    """The password was right but the code was not: worth showing the owner."""
    record(
        action=events.SECOND_FACTOR_FAILED,
        subject=user,
        target_type="user",
        target_id=str(user.pk),
        changes={"reauthentication": reauthentication},
    )


@transaction.atomic
def login_throttled(*, email: str) -> None:
    user = _user_by_email(email)
    record(
        action=events.LOGIN_LOCKED,
        subject=user,
        target_type="user" if user else "account",
        target_id=str(user.pk) if user else "unknown",
    )


def password_login_suspended(*, email: str) -> bool:
    user = _user_by_email(email)
    return bool(user and user.failed_logins >= MAX_CONSECUTIVE_FAILURES)


@transaction.atomic
def logged_out(*, user: User | None) -> None:
    if user is not None and user.is_authenticated:
        record(action=events.LOGOUT, actor=user, target_type="user", target_id=str(user.pk))


@transaction.atomic
def session_expired(*, user: User, reason: str) -> None:
    record(
        action=events.SESSION_EXPIRED,
        actor=None,
        subject=user,
        target_type="user",
        target_id=str(user.pk),
        changes={"reason": reason},
    )


@transaction.atomic
def sessions_end(*, sessions: list[Any], actor: User | None = None) -> int:
    """End the given allauth UserSessions (their server-side session data is deleted at once)."""
    for user_session in sessions:
        owner = user_session.user
        user_session.end()
        record(
            action=events.SESSION_ENDED,
            actor=actor or owner,
            subject=owner,
            target_type="session",
            target_id=str(user_session.pk),
            changes={"ip": user_session.ip},
        )
    return len(sessions)


@transaction.atomic
def password_changed(*, user: User, reset: bool) -> None:
    User.objects.filter(pk=user.pk).update(failed_logins=0)
    record(
        action=events.PASSWORD_RESET if reset else events.PASSWORD_CHANGED,
        actor=user,
        target_type="user",
        target_id=str(user.pk),
    )


@transaction.atomic
def email_changed(*, user: User, old: str | None, new: str) -> None:
    record(
        action=events.EMAIL_CHANGED,
        actor=user,
        target_type="user",
        target_id=str(user.pk),
        changes={"email": {"before": mask_email(old or ""), "after": mask_email(new)}},
    )


@transaction.atomic
def factor_changed(*, user: User, authenticator: Any, added: bool) -> None:
    kind = str(getattr(authenticator, "type", ""))
    if kind == "recovery_codes" and added:
        action = events.RECOVERY_CODES_REGENERATED
    else:
        action = events.FACTOR_ADDED if added else events.FACTOR_REMOVED
    record(
        action=action,
        actor=user,
        target_type="authenticator",
        target_id=str(getattr(authenticator, "pk", "")),
        changes={"type": kind},
    )


@transaction.atomic
def anti_phishing_phrase_set(*, user: User, phrase: str) -> User:
    """Set (or clear) the personal phrase shown at the top of every email we send this person."""
    had_phrase = bool(user.anti_phishing_phrase)
    user.anti_phishing_phrase = phrase.strip()
    user.save(update_fields=["anti_phishing_phrase"])
    record(
        action=events.ANTI_PHISHING_CHANGED,
        actor=user,
        target_type="user",
        target_id=str(user.pk),
        changes={"set": bool(user.anti_phishing_phrase), "was_set": had_phrase},
    )
    from sellsafe.accounts.tasks import send_anti_phishing_changed_notice

    transaction.on_commit(lambda: send_anti_phishing_changed_notice.enqueue(user_id=str(user.pk)))
    return user


@transaction.atomic
def not_me_reported(*, user: User) -> int:
    """The owner says a sign-in was not them: end every session of the account and make the
    password unusable, so the only way back in is the emailed reset link."""
    from allauth.usersessions.models import UserSession

    ended = sessions_end(sessions=list(UserSession.objects.filter(user=user)), actor=user)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    record(
        action=events.NOT_ME_REPORTED,
        actor=user,
        target_type="user",
        target_id=str(user.pk),
        changes={"sessions_ended": ended},
    )
    return ended
