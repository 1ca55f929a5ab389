"""Product pictures on the storefront: active products' images only, served inert."""

import uuid

import pytest

from sellsafe.catalog import image_services
from sellsafe.core import tenancy
from tests.catalog_images.helpers import encode, upload
from tests.storefront.conftest import add_product, make_store, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def pictured(make_shop, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    store = make_store(make_shop)
    with tenancy.scope(store.shop):
        image = image_services.image_add(
            actor=store.owner, shop=store.shop, product=store.product, upload=upload(encode("PNG"))
        )
    return store, image


def test_an_active_products_picture_is_public_and_inert(client, pictured):
    store, image = pictured
    response = client.get(url(store, "image", image_id=image.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "public, max-age=3600"
    assert response["Content-Disposition"] == f'inline; filename="{image.pk}.png"'
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_the_showcase_and_product_page_show_the_pictures(client, pictured):
    store, image = pictured
    home = client.get(url(store, "home")).content.decode()
    assert url(store, "image_thumb", image_id=image.pk) in home
    page = client.get(url(store, "product", handle=store.product.handle)).content.decode()
    assert url(store, "image", image_id=image.pk) in page


def test_drafts_other_shops_and_unknown_ids_are_not_found(client, make_shop, pictured):
    store, image = pictured
    with tenancy.scope(store.shop):
        store.product.status = "draft"
        store.product.save(update_fields=["status"])
    assert client.get(url(store, "image", image_id=image.pk)).status_code == 404
    other = make_store(make_shop, slug="other")
    add_product(other.shop, other.owner, handle="plate")
    for target in (
        url(other, "image", image_id=image.pk),  # shop A's image under shop B's address
        url(store, "image", image_id=uuid.uuid4()),
        url(store, "image_thumb", image_id=uuid.uuid4()),
    ):
        assert client.get(target).status_code == 404
    assert client.post(url(store, "image", image_id=image.pk)).status_code == 405
