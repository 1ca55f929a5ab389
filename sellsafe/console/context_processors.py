from typing import Any

from django.conf import settings
from django.http import HttpRequest


def console(request: HttpRequest) -> dict[str, Any]:
    return {"dev_mailbox": settings.SELLSAFE_DEV_MAILBOX}
