"""Tenancy that fails closed: shop-owned rows are reachable only inside an active shop scope.

The request layer opens the scope once per request after checking membership (`scope(shop)`); a task
enters it from its shop id. A query on a shop-owned model outside any scope raises `ScopeError`
instead of quietly returning every shop's rows. The one escape hatch is `unscoped()`, allowed only
in the modules listed in `UNSCOPED_ALLOWED` (an architecture test enforces the list).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ClassVar, TypeVar, cast

from django.db import models

_NOT_SET = object()
_current: contextvars.ContextVar[Any] = contextvars.ContextVar("sellsafe_shop", default=_NOT_SET)
_UNSCOPED = object()

# The modules that may see across shops, and why. Keep this short.
UNSCOPED_ALLOWED = frozenset(
    {
        "sellsafe.shops.selectors",  # a person's own memberships in every shop, to list and switch
        "sellsafe.shops.services.invitations",  # finding an invitation from its link's token
        "sellsafe.shops.services.staff",  # ending every shop's expired access (periodic job)
        "sellsafe.shops.tasks",  # the invitation email task runs outside any request
        "sellsafe.audit.chain",  # verifying and pruning every shop's chain
        "sellsafe.core.crypto.rotation",  # re-encrypting every row after a key rotation
        "sellsafe.demo.seed",  # creating the demo shop
        "sellsafe.orders.tasks",  # finding unpaid orders due to expire, in every shop
    }
)


class ScopeError(RuntimeError):
    """A shop-owned model was queried with no shop scope active."""


def current_shop() -> Any:
    """The shop of the active scope; raises ScopeError outside one (or inside `unscoped()`)."""
    shop = _current.get()
    if shop is _NOT_SET or shop is _UNSCOPED:
        raise ScopeError("No shop scope is active.")
    return shop


def has_scope() -> bool:
    return _current.get() is not _NOT_SET


@contextmanager
def scope(shop: Any) -> Iterator[Any]:
    """Open a shop scope: shop-owned queries inside see this shop's rows only."""
    if shop is None or getattr(shop, "pk", None) is None:
        raise ScopeError("A scope needs a saved shop.")
    token = _current.set(shop)
    try:
        yield shop
    finally:
        _current.reset(token)


@contextmanager
def unscoped() -> Iterator[None]:
    """See every shop's rows. Allowed only in UNSCOPED_ALLOWED modules."""
    token = _current.set(_UNSCOPED)
    try:
        yield
    finally:
        _current.reset(token)


def shop_service[F: Callable[..., Any]](func: F) -> F:
    """Run a service inside the scope of its `shop` keyword argument, whoever calls it."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with scope(kwargs["shop"]):
            return func(*args, **kwargs)

    return cast(F, wrapper)


M = TypeVar("M", bound=models.Model)


class ShopScopedManager(models.Manager[M]):
    """Filters by the active shop; raises without a scope."""

    def get_queryset(self) -> models.QuerySet[M]:
        shop = _current.get()
        if shop is _NOT_SET:
            raise ScopeError(
                f"{self.model._meta.label} is shop-owned: query it inside tenancy.scope(shop)."
            )
        queryset = super().get_queryset()
        if shop is _UNSCOPED:
            return queryset
        return queryset.filter(shop=shop)


def shop_key(*, db_index: bool = True) -> models.ForeignKey[Any, Any]:
    """The `shop` column of a shop-owned model. A model whose own indexes all lead with the shop
    passes db_index=False: a one-column index next to them only costs every INSERT."""
    return models.ForeignKey(
        "shops.Shop", on_delete=models.CASCADE, related_name="+", db_index=db_index
    )


class ShopOwned(models.Model):
    """Base for every shop-owned model: the `shop` column and the scoped default manager.

    Reverse relations (`user.memberships`) use the scoped manager too, so they fail closed. Django's
    automatic `_base_manager` (plain) serves forward foreign keys and cascades: rows reached that
    way hang off a row that was itself reached through a scoped query.
    """

    shop = shop_key()
    shop_id: Any

    objects: ClassVar[ShopScopedManager[Any]] = ShopScopedManager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.shop_id is None and has_scope() and _current.get() is not _UNSCOPED:
            self.shop = current_shop()
        if self.shop_id is None:
            raise ScopeError(f"{type(self).__name__} needs a shop.")
        active = _current.get()
        if active not in (_NOT_SET, _UNSCOPED) and active.pk != self.shop_id:
            raise ScopeError("A row cannot be written into another shop than the active scope.")
        super().save(*args, **kwargs)
