"""The image pages and file responses: role matrix, tenant isolation, headers, hostile uploads."""

import re

import pytest
from django.urls import reverse

from sellsafe.catalog import image_services
from sellsafe.catalog.models import ProductImage
from sellsafe.core import tenancy
from sellsafe.shops import roles
from tests.catalog_images.helpers import encode, jpeg_with_gps, upload, zip_payload

pytestmark = [pytest.mark.django_db]


def url(shop, name, *args):
    return reverse(f"console:{name}", args=[shop.slug, *args])


@pytest.fixture
def with_image(shop_with_product, django_capture_on_commit_callbacks):
    shop, owner, product = shop_with_product
    with django_capture_on_commit_callbacks(execute=True):
        image = image_services.image_add(
            actor=owner, shop=shop, product=product, upload=upload(jpeg_with_gps())
        )
    with tenancy.scope(shop):
        image.refresh_from_db()
    return shop, owner, product, image


def post_upload(client, shop, product, data, name="photo.jpg", **extra):
    return client.post(
        url(shop, "catalog_image_upload", product.pk),
        {"image": upload(data, name=name), "alt_text": "A mug"},
        **extra,
    )


def test_image_is_served_with_safe_headers(with_image, browser):
    shop, owner, product, image = with_image
    response = browser(owner.user).get(url(shop, "catalog_image_file", product.pk, image.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == f'inline; filename="{image.pk}.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    # The view asks for a private hour of caching; NoStoreMiddleware keeps "no-store" until it
    # honours `sellsafe_private_cache` (see docs/images.md).
    assert response.sellsafe_private_cache is True
    assert response["Cache-Control"] in ("private, max-age=3600", "no-store")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xff\xd8") and b"GPS" not in body and b"Exif" not in body

    thumb = browser(owner.user).get(url(shop, "catalog_image_thumb", product.pk, image.pk))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/webp"
    assert thumb["Content-Disposition"] == f'inline; filename="{image.pk}-thumb.webp"'
    assert thumb["X-Content-Type-Options"] == "nosniff"


def test_page_lists_images_and_offers_the_upload_form(with_image, browser):
    shop, owner, product, image = with_image
    response = browser(owner.user).get(url(shop, "catalog_images", product.pk))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'accept="image/jpeg,image/png,image/webp"' in html
    assert 'enctype="multipart/form-data"' in html
    assert url(shop, "catalog_image_thumb", product.pk, image.pk) in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"<style\b|\sstyle\s*=", html)


def test_upload_through_the_page(
    shop_with_product, browser, media, django_capture_on_commit_callbacks
):
    shop, owner, product = shop_with_product
    client = browser(owner.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_upload(client, shop, product, jpeg_with_gps(), name="../../etc/passwd.jpg")

    assert response.status_code == 302
    with tenancy.scope(shop):
        image = ProductImage.objects.get(product=product)
    assert "passwd" not in image.storage_name and ".." not in image.storage_name
    assert image.alt_text == "A mug"
    assert image.thumbnail_name  # the task ran after the request's commit


HOSTILE = {
    "gif": (encode("GIF", mode="P"), "not a JPEG, PNG or WebP"),
    "svg": (b"<svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>", "not a JPEG"),
    "html-as-jpg": (b"<html><body>hi</body></html>", "not a JPEG"),
    "polyglot": (encode("JPEG") + zip_payload(), "extra data"),
    "truncated": (encode("JPEG", size=(300, 200))[:-150], "damaged"),
    "empty": (b"", "empty"),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_uploads_get_an_error_next_to_the_field(shop_with_product, browser, media, case):
    shop, owner, product = shop_with_product
    data, expected = HOSTILE[case]

    response = post_upload(browser(owner.user), shop, product, data)

    assert response.status_code == 400
    errors = re.search(
        r'<ul class="errorlist" id="id_image_errors">(.*?)</ul>', response.content.decode(), re.S
    )
    assert errors and expected in errors.group(1)
    assert "A mug" in response.content.decode()  # what the person typed is kept
    assert not list(media.rglob("*.*"))


def test_huge_body_is_refused_before_it_is_read(shop_with_product, browser, settings):
    shop, owner, product = shop_with_product
    settings.SELLSAFE_IMAGE_MAX_BYTES = 100_000
    client = browser(owner.user)
    client.get(url(shop, "catalog_images", product.pk))

    response = post_upload(client, shop, product, b"\xff" * 200_000)

    assert response.status_code == 413
    assert "too large" in response.content.decode()


def test_oversize_file_under_the_body_slack_is_stopped_by_the_upload_handler(
    shop_with_product, browser, settings, media
):
    shop, owner, product = shop_with_product
    settings.SELLSAFE_IMAGE_MAX_BYTES = 100_000

    response = post_upload(browser(owner.user), shop, product, b"\xff" * 120_000)

    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert not list(media.rglob("*.*"))


def test_upload_needs_a_csrf_token(shop_with_product, make_user, media):
    from django.test import Client

    shop, owner, product = shop_with_product
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner.user)

    response = post_upload(client, shop, product, encode("PNG"))

    assert response.status_code == 403
    with tenancy.scope(shop):
        assert not ProductImage.objects.exists()


@pytest.mark.parametrize("role_key", [r.key for r in roles.BUILTIN_ROLES])
def test_role_matrix(with_image, add_member, browser, role_key, media):
    shop, _owner, product, image = with_image
    member = add_member(shop, role_key)
    client = browser(member.user)
    codes = roles.BY_KEY[role_key].codes
    can_view, can_edit = "catalog.view" in codes, "catalog.edit" in codes

    for name, args in [
        ("catalog_images", [product.pk]),
        ("catalog_image_file", [product.pk, image.pk]),
        ("catalog_image_thumb", [product.pk, image.pk]),
    ]:
        assert client.get(url(shop, name, *args)).status_code == (200 if can_view else 404)

    page = client.get(url(shop, "catalog_images", product.pk)).content.decode()
    assert ("Upload image" in page) == can_edit

    response = post_upload(client, shop, product, encode("PNG"))
    assert response.status_code == (302 if can_edit else 404)
    for name, data in [
        ("catalog_image_alt", {"alt_text": "New"}),
        ("catalog_image_move", {"direction": "down"}),
        ("catalog_image_remove", {}),
    ]:
        response = client.post(url(shop, name, product.pk, image.pk), data)
        assert response.status_code == (302 if can_edit else 404), name
    with tenancy.scope(shop):
        left = ProductImage.objects.filter(product=product).count()
    assert left == 1  # an editor added one and removed one; anyone else changed nothing


def test_another_shops_ids_are_not_found(with_image, make_shop, make_product, browser):
    shop, owner, product, image = with_image
    other_shop, other_owner = make_shop(slug="elsewhere")
    other_product = make_product(other_shop)
    client = browser(other_owner.user)

    # The other shop's owner, in their own shop, with this shop's product and image ids.
    for name, args in [
        ("catalog_images", [product.pk]),
        ("catalog_image_file", [product.pk, image.pk]),
        ("catalog_image_thumb", [product.pk, image.pk]),
        ("catalog_image_file", [other_product.pk, image.pk]),
    ]:
        assert client.get(url(other_shop, name, *args)).status_code == 404
    for name in ("catalog_image_remove", "catalog_image_alt", "catalog_image_move"):
        response = client.post(url(other_shop, name, product.pk, image.pk), {"direction": "up"})
        assert response.status_code == 404
    assert post_upload(client, other_shop, product, encode("PNG")).status_code == 404
    # And in this shop, which they are not a member of.
    assert client.get(url(shop, "catalog_image_file", product.pk, image.pk)).status_code == 404
    with tenancy.scope(shop):
        assert ProductImage.objects.filter(pk=image.pk).exists()


def test_image_of_another_product_in_the_same_shop_is_not_found(with_image, make_product, browser):
    shop, owner, _product, image = with_image
    other = make_product(shop)
    response = browser(owner.user).get(url(shop, "catalog_image_file", other.pk, image.pk))
    assert response.status_code == 404


def test_thumbnail_not_made_yet_is_not_found(shop_with_product, browser):
    shop, owner, product = shop_with_product
    image = image_services.image_add(
        actor=owner, shop=shop, product=product, upload=upload(encode("PNG"))
    )
    response = browser(owner.user).get(url(shop, "catalog_image_thumb", product.pk, image.pk))
    assert response.status_code == 404


def test_bad_form_values_never_500(with_image, browser):
    shop, owner, product, image = with_image
    client = browser(owner.user)
    for name, data in [
        ("catalog_image_move", {"direction": "sideways"}),
        ("catalog_image_alt", {"alt_text": "x" * 5000}),
        ("catalog_image_alt", {"alt_text": "\x00\x01<script>"}),
    ]:
        assert client.post(url(shop, name, product.pk, image.pk), data).status_code == 302
    assert client.post(url(shop, "catalog_image_upload", product.pk), {}).status_code == 400
    assert client.get(url(shop, "catalog_image_upload", product.pk)).status_code == 405
    response = client.post(
        url(shop, "catalog_image_upload", product.pk),
        data=b"--x\r\nbroken",
        content_type="multipart/form-data; boundary=x",
    )
    assert response.status_code < 500
