"""Helpers for the shop console tests."""

import html
import re

from django.urls import reverse

from sellsafe.core import tenancy
from sellsafe.shops.models import Membership, Role


def role_of(shop, key):
    with tenancy.scope(shop):
        return Role.objects.get(key=key)


def membership(shop, pk):
    with tenancy.scope(shop):
        return Membership.objects.select_related("role", "user").filter(pk=pk).first()


def url(shop, name, *args):
    return reverse(f"console:{name}", args=[shop.slug, *args])


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def text(response):
    """The page as plain text: entities decoded, whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def plain(response):
    """The page's visible text only: tags removed, entities decoded, whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))
