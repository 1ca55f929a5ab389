"""Periodic work on customers' data: retention (anonymising old orders' buyers), per shop."""

from __future__ import annotations

import logging

from django.tasks import task

from sellsafe.customers.services.retention import anonymise_completed_orders
from sellsafe.shops.models import Shop

logger = logging.getLogger(__name__)


def run_retention() -> dict[str, int]:
    """Apply every shop's retention setting; returns {shop slug: orders anonymised} (non-zero)."""
    done: dict[str, int] = {}
    for shop in Shop.objects.filter(retention_days__isnull=False).order_by("slug"):
        count = anonymise_completed_orders(shop=shop)
        if count:
            done[shop.slug] = count
            logger.info("retention: %s order(s) anonymised in shop %s", count, shop.slug)
    return done


@task()
def retention_task() -> int:
    return sum(run_retention().values())
