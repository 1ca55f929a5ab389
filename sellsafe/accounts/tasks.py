"""Background work for accounts: security notices, sent after the change has committed."""

from __future__ import annotations

from django.core import signing
from django.tasks import task
from django.urls import reverse

from sellsafe.accounts import mail
from sellsafe.accounts.models import User
from sellsafe.audit.models import AuditEvent

NOT_ME_SALT = "sellsafe.accounts.not-me"
NOT_ME_MAX_AGE = 7 * 24 * 3600


def not_me_token(*, user: User, event_id: str) -> str:
    return signing.dumps({"u": str(user.pk), "e": event_id}, salt=NOT_ME_SALT, compress=True)


@task()
def send_new_login_alert(*, event_id: str) -> None:
    event = AuditEvent.objects.select_related("subject_user").filter(pk=event_id).first()
    if event is None or event.subject_user is None:
        return
    user = event.subject_user
    token = not_me_token(user=user, event_id=event_id)
    mail.send_to_user(
        user=user,
        template_prefix="accounts/email/new_login",
        context={
            "event": event,
            "not_me_url": mail.base_url() + reverse("console:not_me", args=[token]),
            "sessions_url": mail.base_url() + reverse("usersessions_list"),
            "password_url": mail.base_url() + reverse("account_change_password"),
        },
    )


@task()
def send_login_suspended_notice(*, user_id: str) -> None:
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        mail.send_to_user(
            user=user,
            template_prefix="accounts/email/login_suspended",
            context={"reset_url": mail.base_url() + reverse("account_reset_password")},
        )


@task()
def send_anti_phishing_changed_notice(*, user_id: str) -> None:
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        mail.send_to_user(
            user=user,
            template_prefix="accounts/email/anti_phishing_changed",
            context={"activity_url": mail.base_url() + reverse("console:account_activity")},
        )
