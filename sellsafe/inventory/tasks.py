"""Emails about stock: the low-stock alert to the members who edit the catalog."""

from __future__ import annotations

from django.tasks import task
from django.urls import NoReverseMatch, reverse

from sellsafe.accounts import mail
from sellsafe.catalog.models import Variant
from sellsafe.core import tenancy
from sellsafe.shops import access
from sellsafe.shops.models import Membership, Shop

ALERT_PERMISSION = "catalog.edit"


@task()
def send_low_stock_alert(*, shop_id: str, variant_id: str, available: int, threshold: int) -> None:
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None:
        return
    with tenancy.scope(shop):
        variant = Variant.objects.select_related("product").filter(pk=variant_id).first()
        if variant is None:
            return
        members = [
            member
            for member in Membership.objects.select_related("role", "user")
            if access.has_permission(member, ALERT_PERMISSION)
        ]
    try:
        link = mail.base_url() + reverse("console:inventory_variant", args=[shop.slug, variant.pk])
    except NoReverseMatch:
        link = ""
    for member in members:
        mail.send_to_user(
            user=member.user,
            template_prefix="inventory/email/low_stock",
            context={
                "shop": shop,
                "variant": variant,
                "product": variant.product,
                "available": available,
                "threshold": threshold,
                "link": link,
            },
        )
