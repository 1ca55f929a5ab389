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


def catalog_object_ids(shop, owner, settings, tmp_path):
    """A product (with its variant and a real stored image) and a stock location in `shop`, for
    tests that fill every shop URL's path parameters with real ids."""
    import uuid

    from django.core.files.uploadedfile import SimpleUploadedFile

    from sellsafe.catalog import image_services
    from sellsafe.catalog.csv_tasks import import_start
    from sellsafe.catalog.services import product_create
    from sellsafe.inventory.services import location_create
    from tests.catalog_images.helpers import encode, upload

    settings.MEDIA_ROOT = tmp_path / "media"
    with tenancy.scope(shop):
        product = product_create(
            actor=owner,
            shop=shop,
            title="Victim vase",
            variants=[{"sku": f"V-{shop.slug}", "price": "12.00"}],
        )
        variant = product.variants.get()
        location = location_create(actor=owner, shop=shop, name="Back room", kind="warehouse")
        image = image_services.image_add(
            actor=owner, shop=shop, product=product, upload=upload(encode("JPEG"))
        )
        # A queued CSV import job (its task runs on commit, which these tests never reach).
        job_id = import_start(
            actor=owner,
            shop=shop,
            upload=SimpleUploadedFile("stock.csv", b"sku,price\r\nV-x,1.00\r\n"),
            file_name="stock.csv",
            valid_only=False,
            reauthenticated=False,
        )
    return {
        "job_id": uuid.UUID(job_id),
        "product_id": product.pk,
        "variant_id": variant.pk,
        "location_id": location.pk,
        "image_id": image.pk,
        **order_object_ids(shop, owner, variant, location),
    }


VICTIM_BUYER = {"email": "victim.buyer@example.com", "name": "Vera Victimbuyer"}


def order_object_ids(shop, owner, variant, location):
    """A shipped, paid order of `variant` (with its customer) and a buyer's return request on
    it, made through the real checkout and order services."""
    from sellsafe.catalog.services import product_set_status
    from sellsafe.inventory.services import stock_adjust
    from sellsafe.orders.services.fulfilment import shipment_create
    from sellsafe.orders.services.placing import Buyer, CartLine, order_place
    from sellsafe.orders.services.returns import return_request
    from sellsafe.orders.services.status import order_mark_paid

    with tenancy.scope(shop):
        product_set_status(actor=owner, shop=shop, product=variant.product, status="active")
        stock_adjust(
            actor=owner, shop=shop, variant=variant, location=location, change=5, reason="received"
        )
        order = order_place(
            shop=shop,
            lines=[CartLine(variant_id=variant.pk, quantity=2)],
            buyer=Buyer(
                email=VICTIM_BUYER["email"],
                name=VICTIM_BUYER["name"],
                phone="+447911123456",
                address={
                    "line1": "1 Victim Road",
                    "city": "Leeds",
                    "postcode": "LS1 4AP",
                    "country": "GB",
                },
            ),
            payment_method="bank_transfer",
            idempotency_key=f"tenant-test-{shop.slug}-0001",
        ).order
        order = order_mark_paid(shop=shop, order=order, actor=owner)
        line = order.lines.get()
        shipment_create(
            actor=owner,
            shop=shop,
            order=order,
            carrier="Royal Mail",
            tracking_number="RM1GB",
            lines=[(line, 2)],
        )
        order.refresh_from_db()
        returned = return_request(
            shop=shop, order=order, lines=[(line, 1)], reason="Too small", actor=None
        )
    return {"order_id": order.pk, "customer_id": order.customer_id, "return_id": returned.pk}
