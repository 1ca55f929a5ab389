"""Development-only mailbox: read the mail Sellsafe wrote to files under var/mail/."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

SEPARATOR = b"\n" + b"-" * 79 + b"\n"
FILE_NAME = re.compile(r"^[\w.-]+\.log$")


@dataclass(frozen=True)
class Message:
    id: str
    subject: str
    to: str
    date: str
    body: str


def _enabled() -> None:
    if not settings.SELLSAFE_DEV_MAILBOX or settings.PRODUCTION:
        raise Http404


def _messages() -> list[Message]:
    folder = Path(settings.SELLSAFE_MAIL_DIR)
    if not folder.is_dir():
        return []
    found: list[Message] = []
    for path in sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)[:200]:
        if not FILE_NAME.match(path.name):
            continue
        for index, chunk in enumerate(path.read_bytes().split(SEPARATOR)):
            if not chunk.strip():
                continue
            parsed = email.message_from_bytes(chunk, policy=email.policy.default)
            part = parsed.get_body(preferencelist=("plain", "html"))
            found.append(
                Message(
                    id=f"{path.name}:{index}",
                    subject=str(parsed.get("Subject", "")),
                    to=str(parsed.get("To", "")),
                    date=str(parsed.get("Date", "")),
                    body=part.get_content() if part is not None else "",
                )
            )
    return found


def mailbox(request: HttpRequest) -> HttpResponse:
    _enabled()
    return render(request, "console/dev/mailbox.html", {"mail": _messages()[:100]})


def message(request: HttpRequest, message_id: str) -> HttpResponse:
    _enabled()
    for item in _messages():
        if item.id == message_id:
            return render(request, "console/dev/message.html", {"message": item})
    raise Http404
