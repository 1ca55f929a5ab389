"""The signed-in person behind a console request."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from sellsafe.accounts.models import User


def signed_in_user(request: HttpRequest) -> User:
    """Views behind @login_required get a `User`, typed; anything else is refused."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user
