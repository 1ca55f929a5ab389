"""Writing in-app notifications. Each one names the permission a member needs to see it."""

from __future__ import annotations

from sellsafe.core import tenancy
from sellsafe.notifications.models import Notification
from sellsafe.shops.models import Shop
from sellsafe.shops.permissions import is_known

TITLE_MAX = 200
BODY_MAX = 1000
LINK_MAX = 300


@tenancy.shop_service
def notify(
    *, shop: Shop, kind: str, permission: str, title: str, body: str = "", link: str = ""
) -> Notification:
    """Store a notification for the shop's members who hold `permission`. Runs in the caller's
    transaction, so it vanishes with it if that rolls back."""
    if not is_known(permission):
        raise ValueError(f"Unknown permission code {permission!r}")
    if link and (not link.startswith("/") or link.startswith("//") or "\\" in link):
        raise ValueError("A notification links to a page of this site (a path).")
    return Notification.objects.create(
        shop=shop,
        kind=kind[:32],
        permission=permission,
        title=title[:TITLE_MAX],
        body=body[:BODY_MAX],
        link=link[:LINK_MAX] if len(link) <= LINK_MAX else "",
    )
