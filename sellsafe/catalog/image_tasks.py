"""Background work on product images: the 400 px WebP thumbnail."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.tasks import task

from sellsafe.catalog import images
from sellsafe.catalog.image_services import storage_name
from sellsafe.catalog.models import ProductImage
from sellsafe.core import tenancy
from sellsafe.shops.models import Shop


@task()
def make_thumbnail(*, image_id: str, shop_id: str) -> str:
    """Make the image's thumbnail. Idempotent: an image that has one (or is gone) is left alone,
    and of two runs racing, the second deletes its own file. Returns the thumbnail's name."""
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None:
        return ""
    with tenancy.scope(shop):
        image = ProductImage.objects.filter(pk=image_id).first()
        if image is None:
            return ""
        if image.thumbnail_name and default_storage.exists(image.thumbnail_name):
            return image.thumbnail_name
        with default_storage.open(image.storage_name, "rb") as stored:
            data = stored.read()
        try:
            small = images.thumbnail(data)
        except images.ImageRejected:
            return ""  # our own re-encoded file should always decode; never retry forever
        name = default_storage.save(
            storage_name(shop=shop, extension="webp", suffix="-thumb"), ContentFile(small)
        )
        previous = image.thumbnail_name
        claimed = ProductImage.objects.filter(pk=image.pk, thumbnail_name=previous).update(
            thumbnail_name=name
        )
        if not claimed:
            default_storage.delete(name)
            current = ProductImage.objects.filter(pk=image.pk).first()
            return current.thumbnail_name if current else ""
        return name
