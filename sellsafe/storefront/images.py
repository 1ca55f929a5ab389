"""Product pictures on the storefront: only images of the shop's active products, by id."""

from __future__ import annotations

from uuid import UUID

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_http_methods

from sellsafe.catalog import images
from sellsafe.catalog.models import ProductImage, ProductStatus
from sellsafe.core.http_files import stored_image_response
from sellsafe.shops.models import Shop
from sellsafe.storefront.access import NOT_FOUND, storefront_view

# Public, but short-lived: an archived product's pictures stop being served within the hour.
CACHE_CONTROL = "public, max-age=3600"


def _public_image(image_id: UUID) -> ProductImage:
    image = ProductImage.objects.filter(pk=image_id, product__status=ProductStatus.ACTIVE).first()
    if image is None:
        raise Http404(NOT_FOUND)
    return image


@require_http_methods(["GET", "HEAD"])
@storefront_view
def image_file(request: HttpRequest, shop: Shop, image_id: UUID) -> FileResponse:
    image = _public_image(image_id)
    if image.content_type not in images.CONTENT_TYPES:
        raise Http404(NOT_FOUND)
    return stored_image_response(
        name=image.storage_name,
        content_type=image.content_type,
        filename=f"{image.pk}.{images.EXTENSIONS[image.content_type]}",
        cache_control=CACHE_CONTROL,
    )


@require_http_methods(["GET", "HEAD"])
@storefront_view
def image_thumb(request: HttpRequest, shop: Shop, image_id: UUID) -> FileResponse:
    image = _public_image(image_id)
    return stored_image_response(
        name=image.thumbnail_name,
        content_type="image/webp",
        filename=f"{image.pk}-thumb.webp",
        cache_control=CACHE_CONTROL,
    )
