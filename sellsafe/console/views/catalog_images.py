"""A product's images: list, upload, remove, reorder, alt text, and serving the files.

Files are never served from a public media directory: every byte goes through `image_file` /
`image_thumb`, which check the shop membership and permission like any page, and send the stored
(re-encoded) file with its recorded content type, `nosniff`, an inline Content-Disposition with a
name made from the image id, and a CSP that lets the response do nothing even if opened directly.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from sellsafe.catalog import image_services, images
from sellsafe.catalog import selectors as catalog_selectors
from sellsafe.catalog.models import Product, ProductImage
from sellsafe.console.shop_access import shop_view
from sellsafe.console.views.shop_common import (
    NOT_FOUND,
    found_or_404,
    membership_of,
    shop_of,
    shop_redirect,
    shop_render,
    show_error,
)
from sellsafe.core.errors import DomainError
from sellsafe.core.http_files import stored_image_response

ACCEPT = ",".join(sorted(images.CONTENT_TYPES))
# Room for the multipart envelope and the alt text around the file itself.
REQUEST_OVERHEAD = 64 * 1024
CACHE_CONTROL = "private, max-age=3600"


class ImageUploadForm(forms.Form):
    # A plain FileField: forms.ImageField would let Pillow try every format it knows.
    image = forms.FileField(
        label="Image",
        help_text="JPEG, PNG or WebP. Location and camera details are removed when you upload.",
        error_messages={"required": "Choose an image to upload."},
    )
    alt_text = forms.CharField(
        label="Description (alt text)",
        required=False,
        max_length=image_services.ALT_TEXT_MAX,
        help_text="What the picture shows, for people who cannot see it.",
    )


class AltTextForm(forms.Form):
    alt_text = forms.CharField(
        label="Description (alt text)", required=False, max_length=image_services.ALT_TEXT_MAX
    )


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops keeping a file as soon as it passes the image size limit (also for bodies sent
    without a Content-Length), and tells the view why the file is missing."""

    def __init__(self, request: HttpRequest | None = None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            if self.request is not None:
                self.request.sellsafe_upload_too_large = True  # type: ignore[attr-defined]
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _product_or_404(product_id: UUID) -> Product:
    return found_or_404(catalog_selectors.product_by_id(product_id))


def _image_or_404(product_id: UUID, image_id: UUID) -> ProductImage:
    return found_or_404(image_services.image_of_product(product_id=product_id, image_id=image_id))


def _page(
    request: HttpRequest, product: Product, form: ImageUploadForm | None = None, status: int = 200
) -> HttpResponse:
    rows = image_services.images_of_product(product)
    return shop_render(
        request,
        "console/catalog/images.html",
        {
            "product": product,
            "images": rows,
            "form": form or ImageUploadForm(),
            "accept": ACCEPT,
            "max_megabytes": images.max_bytes() // (1024 * 1024),
            "max_images": image_services.MAX_IMAGES_PER_PRODUCT,
        },
        status=status,
    )


def _too_large_form(data: Any) -> ImageUploadForm:
    form = ImageUploadForm(data)
    form.is_valid()
    form.errors["image"] = form.error_class([images.too_large_message()])
    return form


@shop_view("catalog.view")
@require_http_methods(["GET"])
def images_page(request: HttpRequest, product_id: UUID) -> HttpResponse:
    return _page(request, _product_or_404(product_id))


@csrf_exempt  # only so the size-limit handler can be installed first; checked just below
@shop_view("catalog.edit")
@require_http_methods(["POST"])
def image_upload(request: HttpRequest, product_id: UUID) -> HttpResponse:
    product = _product_or_404(product_id)
    limit = images.max_bytes()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit + REQUEST_OVERHEAD:
        # Refused before a byte of the body is read.
        return _page(request, product, _too_large_form({}), status=413)
    request.upload_handlers.insert(0, SizeLimitUploadHandler(request, limit=limit))
    return _upload(request, product)


@csrf_protect
def _upload(request: HttpRequest, product: Product) -> HttpResponse:
    form = ImageUploadForm(request.POST, request.FILES)
    if getattr(request, "sellsafe_upload_too_large", False):
        return _page(request, product, _too_large_form(request.POST), status=413)
    if form.is_valid():
        try:
            image_services.image_add(
                actor=membership_of(request),
                shop=shop_of(request),
                product=product,
                upload=form.cleaned_data["image"],
                alt_text=form.cleaned_data["alt_text"],
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, "The image is added. Its thumbnail appears shortly.")
            return shop_redirect(request, "catalog_images", product.pk)
    return _page(request, product, form, status=400)


@shop_view("catalog.edit")
@require_http_methods(["POST"])
def image_remove(request: HttpRequest, product_id: UUID, image_id: UUID) -> HttpResponse:
    image = _image_or_404(product_id, image_id)
    try:
        image_services.image_remove(
            actor=membership_of(request), shop=shop_of(request), image=image
        )
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, "The image is removed.")
    return shop_redirect(request, "catalog_images", product_id)


@shop_view("catalog.edit")
@require_http_methods(["POST"])
def image_move(request: HttpRequest, product_id: UUID, image_id: UUID) -> HttpResponse:
    product = _product_or_404(product_id)
    image = _image_or_404(product_id, image_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose whether to move the image up or down.")
        return shop_redirect(request, "catalog_images", product_id)
    order = [str(row.pk) for row in image_services.images_of_product(product)]
    index = order.index(str(image.pk))
    other = index - 1 if form.cleaned_data["direction"] == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
        try:
            image_services.image_reorder(
                actor=membership_of(request),
                shop=shop_of(request),
                product=product,
                image_ids=order,
            )
        except DomainError as error:
            show_error(request, error)
    return shop_redirect(request, "catalog_images", product_id)


@shop_view("catalog.edit")
@require_http_methods(["POST"])
def image_alt(request: HttpRequest, product_id: UUID, image_id: UUID) -> HttpResponse:
    image = _image_or_404(product_id, image_id)
    form = AltTextForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, f"Keep the description to {image_services.ALT_TEXT_MAX} characters or fewer."
        )
        return shop_redirect(request, "catalog_images", product_id)
    try:
        image_services.image_set_alt(
            actor=membership_of(request),
            shop=shop_of(request),
            image=image,
            alt_text=form.cleaned_data["alt_text"],
        )
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, "The description is saved.")
    return shop_redirect(request, "catalog_images", product_id)


def _serve(image: ProductImage, name: str, content_type: str, suffix: str = "") -> FileResponse:
    if content_type not in images.CONTENT_TYPES:
        raise Http404(NOT_FOUND)
    return stored_image_response(
        name=name,
        content_type=content_type,
        filename=f"{image.pk}{suffix}.{images.EXTENSIONS[content_type]}",
        cache_control=CACHE_CONTROL,
    )


@shop_view("catalog.view")
@require_http_methods(["GET", "HEAD"])
def image_file(request: HttpRequest, product_id: UUID, image_id: UUID) -> FileResponse:
    image = _image_or_404(product_id, image_id)
    return _serve(image, image.storage_name, image.content_type)


@shop_view("catalog.view")
@require_http_methods(["GET", "HEAD"])
def image_thumb(request: HttpRequest, product_id: UUID, image_id: UUID) -> FileResponse:
    image = _image_or_404(product_id, image_id)
    return _serve(image, image.thumbnail_name, "image/webp", suffix="-thumb")
