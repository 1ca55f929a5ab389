"""A product's images, included by the shop URLs under `products/<uuid:product_id>/images/`.

Every view enters the shop through @shop_view (catalog.view to see, catalog.edit to change)."""

from django.urls import path

from sellsafe.console.views import catalog_images

urlpatterns = [
    path("", catalog_images.images_page, name="catalog_images"),
    path("upload/", catalog_images.image_upload, name="catalog_image_upload"),
    path("<uuid:image_id>/", catalog_images.image_file, name="catalog_image_file"),
    path("<uuid:image_id>/thumb/", catalog_images.image_thumb, name="catalog_image_thumb"),
    path("<uuid:image_id>/remove/", catalog_images.image_remove, name="catalog_image_remove"),
    path("<uuid:image_id>/move/", catalog_images.image_move, name="catalog_image_move"),
    path("<uuid:image_id>/alt/", catalog_images.image_alt, name="catalog_image_alt"),
]
