"""The shop's notifications: only those whose permission the member holds."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from sellsafe.console.shop_access import shop_view
from sellsafe.console.views.shop_common import membership_of, shop_render
from sellsafe.notifications.selectors import recent_for


@shop_view("shop.view")
@require_http_methods(["GET"])
def notification_list(request: HttpRequest) -> HttpResponse:
    return shop_render(
        request,
        "console/notifications.html",
        {"notifications": recent_for(membership_of(request))},
    )
