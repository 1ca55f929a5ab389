"""Architecture rules for the shop console: every view under /s/<shop_slug>/ enters the shop
through @shop_view and so declares the permission it needs."""

from django.urls import URLPattern, URLResolver, get_resolver

from sellsafe.shops.permissions import is_known

SHOP_PREFIX = "s/<slug:shop_slug>/"


def _walk(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def shop_patterns():
    """Every URL pattern under /s/<shop_slug>/, as (route, pattern)."""
    return [(route, p) for route, p in _walk(get_resolver()) if route.startswith(SHOP_PREFIX)]


def test_there_are_shop_pages():
    assert len(shop_patterns()) >= 15


def test_every_shop_view_declares_a_known_permission():
    offenders = []
    for route, pattern in shop_patterns():
        permission = getattr(pattern.callback, "sellsafe_permission", None)
        if permission is None or not is_known(permission):
            offenders.append(route)
    assert offenders == []


# The public doors: the storefront (buyers) and the payment provider's webhook. Their views live
# in sellsafe.storefront, which shows only what a shop publishes and never a member's console.
PUBLIC_PREFIXES = ("store/<slug:shop_slug>/", "hooks/")


def test_shop_slug_appears_only_under_the_shop_prefix():
    """A view elsewhere taking `shop_slug` would skip the one door into a shop."""
    offenders = [
        route
        for route, _ in _walk(get_resolver())
        if "shop_slug" in route
        and not route.startswith(SHOP_PREFIX)
        and not route.startswith(PUBLIC_PREFIXES)
    ]
    assert offenders == []


def test_public_shop_urls_are_served_by_the_storefront_only():
    public = [(r, p) for r, p in _walk(get_resolver()) if r.startswith(PUBLIC_PREFIXES)]
    assert public
    offenders = [
        r for r, p in public if not p.callback.__module__.startswith("sellsafe.storefront")
    ]
    assert offenders == []


def test_object_ids_in_shop_urls_are_uuids():
    """Public ids are not guessable: no integer or free-text path parameter in a shop URL."""
    import re

    offenders = []
    for route, _ in shop_patterns():
        for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", route):
            if name != "shop_slug" and converter != "uuid":
                offenders.append(route)
    assert offenders == []
