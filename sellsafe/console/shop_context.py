"""Template context for the shop switcher in the top bar: the person's shops and the current one.

Add "sellsafe.console.shop_context.shop_switcher" to TEMPLATES' context_processors. The list is
loaded only when a template uses it (one query), never for anonymous visitors.

Also `time_zone`, for everyone: the name of the zone the page's dates are shown in (the shop's on
console shop pages and storefront pages, which activate it; UTC elsewhere), so templates label
times truthfully instead of hard-coding "UTC".
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from sellsafe.accounts.models import User
from sellsafe.shops.selectors import shops_for_user


def shop_switcher(request: HttpRequest) -> dict[str, Any]:
    zone = {"time_zone": timezone.get_current_timezone_name()}
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return zone
    return {
        **zone,
        "my_shops": SimpleLazyObject(lambda: shops_for_user(user=user)),
        "current_shop": getattr(request, "shop", None),
    }
