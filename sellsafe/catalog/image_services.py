"""Product images: adding (checked and re-encoded), removing, reordering, alt text. Audited.

The file is checked and re-encoded before any database work (sellsafe.catalog.images), stored under
a random name in `product-images/<shop id>/`, and only then recorded in one transaction with its
audit event; if that transaction fails the stored file is deleted again. Thumbnails are made by a
background task queued on commit (sellsafe.catalog.image_tasks).
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max

from sellsafe.audit.services import record
from sellsafe.catalog import events, images
from sellsafe.catalog.events import (
    IMAGE_ADDED,
    IMAGE_ALT_CHANGED,
    IMAGE_REMOVED,
    IMAGE_REORDERED,
)
from sellsafe.catalog.models import Product, ProductImage
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError, NotFound
from sellsafe.shops import access
from sellsafe.shops.models import Membership, Shop
from sellsafe.shops.services.refusals import refuse

MAX_IMAGES_PER_PRODUCT = 20
ALT_TEXT_MAX = 200
STORAGE_PREFIX = "product-images"
NO_PERMISSION = "You do not have permission to change product images in this shop."
IMAGE_NOT_FOUND = "This image does not exist (it may have been removed)."


def storage_name(*, shop: Shop, extension: str, suffix: str = "") -> str:
    """A random name: nothing the uploader chose (file name, extension) is part of it."""
    if extension not in images.EXTENSIONS.values():
        raise ValueError(f"Unexpected extension {extension!r}")
    return f"{STORAGE_PREFIX}/{shop.pk}/{secrets.token_urlsafe(24)}{suffix}.{extension}"


def _require_edit(*, actor: Membership, shop: Shop, target: tuple[str, str]) -> None:
    if not access.has_permission(actor, "catalog.edit"):
        refuse(
            actor=actor,
            shop=shop,
            reason="missing catalog.edit",
            target=target,
            message=NO_PERMISSION,
            action=events.CATALOG_REFUSED,
        )


def _clean_alt(alt_text: str) -> str:
    text = " ".join(
        "".join(ch for ch in str(alt_text) if unicodedata.category(ch)[0] != "C").split()
    )
    if len(text) > ALT_TEXT_MAX:
        raise DomainError(
            f"Keep the description to {ALT_TEXT_MAX} characters or fewer.", field="alt_text"
        )
    return text


def _own_product(shop: Shop, product: Product) -> Product:
    if product.shop_id != shop.pk:
        raise NotFound("This product does not exist.")
    return product


def _delete_files(names: Sequence[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)


@tenancy.shop_service
def image_add(
    *, actor: Membership, shop: Shop, product: Product, upload: Any, alt_text: str = ""
) -> ProductImage:
    """Check, re-encode and store an uploaded image as the product's last image."""
    _own_product(shop, product)
    _require_edit(actor=actor, shop=shop, target=("product", str(product.pk)))
    alt = _clean_alt(alt_text)
    if ProductImage.objects.filter(product=product).count() >= MAX_IMAGES_PER_PRODUCT:
        raise DomainError(
            f"A product can have up to {MAX_IMAGES_PER_PRODUCT} images. Remove one first.",
            field=images.FIELD,
        )
    processed = images.process_upload(upload)
    name = default_storage.save(
        storage_name(shop=shop, extension=processed.extension), ContentFile(processed.data)
    )
    try:
        with transaction.atomic():
            Product.objects.select_for_update().filter(pk=product.pk).first()  # serialise adds
            last = ProductImage.objects.filter(product=product).aggregate(top=Max("position"))
            image = ProductImage.objects.create(
                shop=shop,
                product=product,
                position=(last["top"] + 1) if last["top"] is not None else 0,
                storage_name=name,
                content_type=processed.content_type,
                width=processed.width,
                height=processed.height,
                bytes=len(processed.data),
                alt_text=alt,
            )
            record(
                shop=shop,
                action=IMAGE_ADDED,
                actor=actor.user,
                target_type="product",
                target_id=str(product.pk),
                changes={
                    "image": str(image.pk),
                    "content_type": image.content_type,
                    "width": image.width,
                    "height": image.height,
                    "bytes": image.bytes,
                    "original": {
                        "format": processed.original_format,
                        "width": processed.original_width,
                        "height": processed.original_height,
                    },
                },
            )
            from sellsafe.catalog.image_tasks import make_thumbnail

            image_id, shop_id = str(image.pk), str(shop.pk)
            transaction.on_commit(
                lambda: make_thumbnail.enqueue(image_id=image_id, shop_id=shop_id)
            )
    except BaseException:
        default_storage.delete(name)
        raise
    return image


@tenancy.shop_service
def image_remove(*, actor: Membership, shop: Shop, image: ProductImage) -> None:
    if image.shop_id != shop.pk:
        raise NotFound(IMAGE_NOT_FOUND)
    _require_edit(actor=actor, shop=shop, target=("product", str(image.product_id)))
    names = [image.storage_name, image.thumbnail_name]
    with transaction.atomic():
        deleted, _ = ProductImage.objects.filter(pk=image.pk).delete()
        if not deleted:
            raise NotFound(IMAGE_NOT_FOUND)
        record(
            shop=shop,
            action=IMAGE_REMOVED,
            actor=actor.user,
            target_type="product",
            target_id=str(image.product_id),
            changes={"image": str(image.pk), "position": image.position},
        )
        transaction.on_commit(lambda: _delete_files(names))


@tenancy.shop_service
def image_reorder(
    *, actor: Membership, shop: Shop, product: Product, image_ids: Sequence[UUID | str]
) -> list[ProductImage]:
    """Put the product's images in this order; `image_ids` must list each of them exactly once."""
    _own_product(shop, product)
    _require_edit(actor=actor, shop=shop, target=("product", str(product.pk)))
    with transaction.atomic():
        current = list(ProductImage.objects.select_for_update().filter(product=product))
        by_id = {str(image.pk): image for image in current}
        wanted = [str(image_id) for image_id in image_ids]
        if len(wanted) != len(by_id) or set(wanted) != set(by_id):
            raise DomainError(
                "The images changed while you were ordering them. Reload the page and try again."
            )
        before = [str(image.pk) for image in current]
        ordered = [by_id[image_id] for image_id in wanted]
        for position, image in enumerate(ordered):
            if image.position != position:
                image.position = position
                image.save(update_fields=["position"])
        if before != wanted:
            record(
                shop=shop,
                action=IMAGE_REORDERED,
                actor=actor.user,
                target_type="product",
                target_id=str(product.pk),
                changes={"order": {"before": before, "after": wanted}},
            )
    return ordered


@tenancy.shop_service
def image_set_alt(
    *, actor: Membership, shop: Shop, image: ProductImage, alt_text: str
) -> ProductImage:
    if image.shop_id != shop.pk:
        raise NotFound(IMAGE_NOT_FOUND)
    _require_edit(actor=actor, shop=shop, target=("product", str(image.product_id)))
    alt = _clean_alt(alt_text)
    if alt == image.alt_text:
        return image
    with transaction.atomic():
        before = image.alt_text
        image.alt_text = alt
        image.save(update_fields=["alt_text"])
        record(
            shop=shop,
            action=IMAGE_ALT_CHANGED,
            actor=actor.user,
            target_type="product",
            target_id=str(image.product_id),
            changes={"image": str(image.pk), "alt_text": {"before": before, "after": alt}},
        )
    return image


# --- Reads (scoped: another shop's id is simply not found) ----------------------------------------
# These belong in sellsafe.catalog.selectors; they live here until that module settles.


def images_of_product(product: Product) -> list[ProductImage]:
    return list(ProductImage.objects.filter(product=product).order_by("position", "created_at"))


def image_of_product(*, product_id: object, image_id: object) -> ProductImage | None:
    return ProductImage.objects.filter(pk=image_id, product_id=product_id).first()
