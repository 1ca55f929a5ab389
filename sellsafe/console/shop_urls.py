"""Pages inside a shop, under /s/<shop_slug>/. Every view here enters the shop through
@shop_view("permission.code") (tests/shops/test_shop_architecture.py checks it). Object ids are
UUIDs: nothing in these URLs can be guessed or counted."""

from django.urls import include, path

from sellsafe.console.views import (
    notifications,
    shop_activity,
    shop_home,
    shop_roles,
    shop_security,
    shop_staff,
)

urlpatterns = [
    path("", shop_home.dashboard, name="shop_dashboard"),
    path("settings/", shop_home.shop_settings, name="shop_settings"),
    # Staff
    path("staff/", shop_staff.staff_list, name="shop_staff"),
    path("staff/invite/", shop_staff.staff_invite, name="shop_staff_invite"),
    path(
        "staff/invitations/<uuid:invitation_id>/revoke/",
        shop_staff.invitation_revoke,
        name="shop_invitation_revoke",
    ),
    path("staff/<uuid:member_id>/", shop_staff.member_detail, name="shop_member"),
    path("staff/<uuid:member_id>/role/", shop_staff.member_role, name="shop_member_role"),
    path(
        "staff/<uuid:member_id>/access-end/",
        shop_staff.member_access_end,
        name="shop_member_access_end",
    ),
    path("staff/<uuid:member_id>/remove/", shop_staff.member_remove, name="shop_member_remove"),
    path("leave/", shop_staff.leave, name="shop_leave"),
    # Roles
    path("roles/", shop_roles.roles_list, name="shop_roles"),
    path("roles/new/", shop_roles.role_new, name="shop_role_new"),
    path("roles/<uuid:role_id>/", shop_roles.role_edit, name="shop_role_edit"),
    # Security
    path("security/", shop_security.security_policy, name="shop_security"),
    path("security/ownership/", shop_security.ownership_transfer, name="shop_ownership"),
    path("access-review/", shop_security.access_review, name="shop_access_review"),
    # Activity log
    path("activity/", shop_activity.activity, name="shop_activity"),
    path("activity/export/", shop_activity.activity_export_csv, name="shop_activity_export"),
    path("activity/<uuid:event_id>/", shop_activity.activity_event, name="shop_activity_event"),
    # Catalog, images, inventory and notifications (issue 4)
    path("products/csv/", include("sellsafe.console.catalog_csv_urls")),
    path("products/", include("sellsafe.console.catalog_urls")),
    path("products/<uuid:product_id>/images/", include("sellsafe.console.catalog_image_urls")),
    path("inventory/", include("sellsafe.console.inventory_urls")),
    path("notifications/", notifications.notification_list, name="shop_notifications"),
    # Orders, fulfilment, returns and refunds, customers (issue 5)
    path("orders/", include("sellsafe.console.order_urls")),
    path("returns/", include("sellsafe.console.return_urls")),
    path("customers/", include("sellsafe.console.customer_urls")),
    path("settings/orders/", include("sellsafe.console.order_settings_urls")),
]
