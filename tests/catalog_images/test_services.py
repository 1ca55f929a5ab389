"""The image services: stored under random names, audited, thumbnails on commit, permissions."""

import pytest
from django.core.files.storage import default_storage

from sellsafe.audit.models import AuditEvent
from sellsafe.catalog import image_services, images
from sellsafe.catalog.image_tasks import make_thumbnail
from sellsafe.catalog.models import ProductImage
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError, NotAllowed, NotFound
from sellsafe.shops import roles
from tests.catalog_images.helpers import encode, jpeg_with_gps, read_image, upload

pytestmark = pytest.mark.django_db


def add(shop, owner, product, data, name="holiday-at-home.jpg", **kwargs):
    return image_services.image_add(
        actor=owner, shop=shop, product=product, upload=upload(data, name=name), **kwargs
    )


def stored_files(media):
    return sorted(p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file())


def test_image_is_stored_clean_under_a_random_name_and_audited(
    shop_with_product, media, django_capture_on_commit_callbacks
):
    shop, owner, product = shop_with_product
    with django_capture_on_commit_callbacks(execute=True):
        image = add(shop, owner, product, jpeg_with_gps(), alt_text="  Blue\x00 mug \n ")

    assert image.storage_name.startswith(f"product-images/{shop.pk}/")
    assert image.storage_name.endswith(".jpg")
    assert "holiday" not in image.storage_name
    assert len(image.storage_name.rsplit("/", 1)[1]) >= 32
    assert image.content_type == "image/jpeg" and image.alt_text == "Blue mug"
    data = default_storage.open(image.storage_name).read()
    assert b"GPS" not in data and b"Exif" not in data
    assert dict(read_image(data).getexif()) == {}
    assert image.bytes == len(data)
    event = AuditEvent.objects.filter(shop=shop, action=image_services.IMAGE_ADDED).get()
    assert event.target_id == str(product.pk)
    assert event.changes["image"] == str(image.pk)
    # The thumbnail task ran on commit (immediate task backend in tests).
    with tenancy.scope(shop):
        image.refresh_from_db()
    assert image.thumbnail_name.startswith(f"product-images/{shop.pk}/")
    assert image.thumbnail_name.endswith("-thumb.webp")
    thumb = read_image(default_storage.open(image.thumbnail_name).read())
    assert thumb.format == "WEBP" and max(thumb.size) <= 400
    assert len(stored_files(media)) == 2


def test_thumbnail_task_is_idempotent(shop_with_product, media):
    shop, owner, product = shop_with_product
    image = add(shop, owner, product, encode("PNG", size=(900, 300)))  # no on-commit here
    assert image.thumbnail_name == ""

    first = make_thumbnail.call(image_id=str(image.pk), shop_id=str(shop.pk))
    second = make_thumbnail.call(image_id=str(image.pk), shop_id=str(shop.pk))

    assert first == second != ""
    assert len(stored_files(media)) == 2
    assert make_thumbnail.call(image_id=str(image.pk), shop_id=str(product.pk)) == ""


def test_a_png_named_jpg_is_stored_as_png_and_html_named_jpg_is_refused(shop_with_product, media):
    shop, owner, product = shop_with_product
    image = add(shop, owner, product, encode("PNG"), name="photo.jpg")
    assert image.content_type == "image/png" and image.storage_name.endswith(".png")

    with pytest.raises(images.ImageRejected):
        add(shop, owner, product, b"<html><script>alert(1)</script></html>", name="photo.jpg")
    assert len(stored_files(media)) == 1


def test_refused_files_leave_nothing_behind(shop_with_product, media):
    shop, owner, product = shop_with_product
    for data in (encode("GIF", mode="P"), encode("JPEG") + b"<?php ?>", b""):
        with pytest.raises(images.ImageRejected):
            add(shop, owner, product, data)
    assert stored_files(media) == []
    with tenancy.scope(shop):
        assert not ProductImage.objects.exists()


def test_without_catalog_edit_the_upload_is_refused_and_audited(
    shop_with_product, add_member, media
):
    shop, _owner, product = shop_with_product
    packer = add_member(shop, roles.FULFILMENT)

    with pytest.raises(NotAllowed):
        add(shop, packer, product, encode("PNG"))

    assert stored_files(media) == []
    assert AuditEvent.objects.filter(shop=shop, action="catalog.refused").exists()


def test_another_shops_product_is_not_found(shop_with_product, make_shop, make_product, media):
    shop, owner, _product = shop_with_product
    other_shop, _ = make_shop(slug="other")
    foreign = make_product(other_shop)

    with pytest.raises(NotFound):
        add(shop, owner, foreign, encode("PNG"))
    assert stored_files(media) == []


def test_alt_text_is_limited(shop_with_product):
    shop, owner, product = shop_with_product
    with pytest.raises(DomainError) as caught:
        add(shop, owner, product, encode("PNG"), alt_text="x" * 201)
    assert caught.value.field == "alt_text"


def test_reorder_set_alt_and_remove(shop_with_product, media, django_capture_on_commit_callbacks):
    shop, owner, product = shop_with_product
    first, second, third = (add(shop, owner, product, encode("PNG")) for _ in range(3))
    assert [first.position, second.position, third.position] == [0, 1, 2]

    ordered = image_services.image_reorder(
        actor=owner, shop=shop, product=product, image_ids=[third.pk, first.pk, second.pk]
    )
    assert [i.pk for i in ordered] == [third.pk, first.pk, second.pk]
    with tenancy.scope(shop):
        assert [i.pk for i in image_services.images_of_product(product)] == [
            third.pk,
            first.pk,
            second.pk,
        ]
    with pytest.raises(DomainError):
        image_services.image_reorder(
            actor=owner, shop=shop, product=product, image_ids=[third.pk, first.pk]
        )

    image_services.image_set_alt(actor=owner, shop=shop, image=first, alt_text="Side view")
    with tenancy.scope(shop):
        first.refresh_from_db()
    assert first.alt_text == "Side view"

    with django_capture_on_commit_callbacks(execute=True):
        image_services.image_remove(actor=owner, shop=shop, image=first)
    assert not default_storage.exists(first.storage_name)
    assert len(stored_files(media)) == 2
    actions = set(AuditEvent.objects.filter(shop=shop).values_list("action", flat=True))
    assert {
        image_services.IMAGE_ADDED,
        image_services.IMAGE_REORDERED,
        image_services.IMAGE_ALT_CHANGED,
        image_services.IMAGE_REMOVED,
    } <= actions


def test_a_product_has_at_most_twenty_images(shop_with_product, monkeypatch):
    shop, owner, product = shop_with_product
    monkeypatch.setattr(image_services, "MAX_IMAGES_PER_PRODUCT", 2)
    add(shop, owner, product, encode("PNG"))
    add(shop, owner, product, encode("PNG"))
    with pytest.raises(DomainError, match="up to 2 images"):
        add(shop, owner, product, encode("PNG"))
