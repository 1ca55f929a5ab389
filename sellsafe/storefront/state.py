"""What a shop's storefront remembers of a buyer between requests: the cart, the checkout form
keys it handed out, the order just placed, a message for the next page.

It lives in a signed cookie of its own per shop (path /store/<slug>/), not in the session table:
a buyer has no account, and nothing here needs to be revoked or read by anyone else, so browsing
and buying write no session row (and bots cannot fill the table). Signed with Django's signing
(HMAC-SHA256 with SECRET_KEY) and a salt naming the shop, so a buyer can read but never alter it,
and a cookie made for one shop is worthless at another (or at a slug taken over later). It holds
no personal data: the checkout's details go straight into the order. Staff sessions stay in the
database (core.sessions), where signing out everywhere can end them.

    state = request.buyer          # set by storefront_view for the view
    state.get("cart", {}); state["cart"] = {...}; state.pop("cart-error", "")
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.cache import patch_vary_headers

# Browsers keep a cookie of at most 4096 bytes (name and attributes included). What is kept is
# bounded (a cart of MAX_LINES, KEYS_KEPT form keys) and fits with room to spare; were it ever to
# grow past this, the buyer keeps the previous cookie rather than one the browser would drop.
MAX_COOKIE_BYTES = 3800
logger = logging.getLogger(__name__)


def _salt(shop_id: Any) -> str:
    return f"sellsafe.storefront.buyer:{shop_id}"


class BuyerState:
    """A small dict-like view of the cookie's contents; `modified` says whether to send it back."""

    def __init__(self, shop_id: Any, raw: str | None) -> None:
        self.shop_id = shop_id
        self.had_cookie = raw is not None
        self.modified = False
        self.accessed = False
        self._raw = raw
        self._loaded: dict[str, Any] | None = None

    @property
    def _data(self) -> dict[str, Any]:
        """The cookie's contents, checked and decoded on first use (an image or a stock poll
        never reads them)."""
        if self._loaded is None:
            loaded: Any = {}
            if self._raw:
                try:
                    loaded = signing.loads(
                        self._raw, salt=_salt(self.shop_id), max_age=settings.SESSION_COOKIE_AGE
                    )
                except (signing.BadSignature, ValueError, TypeError):
                    loaded = {}  # expired, altered or another shop's: start afresh
            self._loaded = loaded if isinstance(loaded, dict) else {}
        return self._loaded

    def get(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        return self._data.get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        self.accessed = self.modified = True
        self._data[key] = value

    def pop(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        if key not in self._data:
            return default
        self.modified = True
        return self._data.pop(key)

    def dumps(self) -> str:
        return signing.dumps(self._data, salt=_salt(self.shop_id), compress=True)

    def is_empty(self) -> bool:
        return not self._data


def load(request: HttpRequest, shop_id: Any) -> BuyerState:
    return BuyerState(shop_id, request.COOKIES.get(settings.SELLSAFE_STORE_COOKIE))


def of(request: HttpRequest) -> BuyerState:
    """The state storefront_view loaded for this request."""
    return request.buyer  # type: ignore[attr-defined]


def save(request: HttpRequest, response: HttpResponseBase, state: BuyerState, slug: str) -> None:
    """Send the state back when it changed (or drop the cookie once it is empty), as Django's
    session middleware does for the session cookie; never for an error response."""
    if state.accessed or state.modified:
        patch_vary_headers(response, ("Cookie",))
    if not state.modified or response.status_code >= 500:
        return
    name = settings.SELLSAFE_STORE_COOKIE
    path = reverse("storefront:home", kwargs={"shop_slug": slug})
    if state.is_empty():
        if state.had_cookie:
            response.delete_cookie(name, path=path, samesite="Lax")
        return
    value = state.dumps()
    if len(value) > MAX_COOKIE_BYTES:
        logger.warning("storefront state too large, not updated", extra={"bytes": len(value)})
        return
    response.set_cookie(
        name,
        value,
        max_age=settings.SESSION_COOKIE_AGE,
        path=path,
        secure=bool(settings.SESSION_COOKIE_SECURE),
        httponly=True,
        samesite="Lax",  # sent when a buyer follows a link to the shop from a post
    )
