"""Security email: every message to an account shows its anti-phishing code near the top."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from sellsafe.accounts.models import User


def phrase_context(*, email: str) -> dict[str, Any]:
    user = User.objects.filter(email=email.strip().lower()).first()
    if user is None:
        from allauth.account.models import EmailAddress

        address = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
        user = address.user if address else None
    return {"anti_phishing_phrase": user.anti_phishing_phrase if user else ""}


def base_url() -> str:
    return str(settings.SELLSAFE_BASE_URL).rstrip("/")


def send_to_user(*, user: User, template_prefix: str, context: dict[str, Any]) -> None:
    send_to_address(
        email=user.email, template_prefix=template_prefix, context={"user": user, **context}
    )


def send_to_address(*, email: str, template_prefix: str, context: dict[str, Any]) -> None:
    """Render `<prefix>_subject.txt` and `<prefix>_message.txt` and send them to `email`, with the
    anti-phishing code of the account that owns the address, if any.

    Used outside a request (by tasks); allauth's own messages go through AccountAdapter.send_mail,
    which adds the same phrase context.
    """
    ctx = {
        "email": email,
        "site_name": "Sellsafe",
        "base_url": base_url(),
        "current_site": {"name": "Sellsafe", "domain": base_url()},
        **phrase_context(email=email),
        **context,
    }
    subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", ctx).splitlines())
    body = render_to_string(f"{template_prefix}_message.txt", ctx)
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject.strip()}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email],
    )
    message.send()
