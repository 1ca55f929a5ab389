from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.urls import include, path
from django.views.generic import RedirectView

from sellsafe.console.views import devmail, health, passwords

urlpatterns = [
    path("", include("sellsafe.console.urls")),
    path("accounts/", include("allauth.urls")),
    path("store/<slug:shop_slug>/", include("sellsafe.storefront.urls")),
    path("hooks/", include("sellsafe.storefront.webhook_urls")),
    path("healthz", health.healthz, name="healthz"),
    path("account/password-strength/", passwords.password_strength, name="password_strength"),
    path("favicon.ico", RedirectView.as_view(url=settings.STATIC_URL + "sellsafe/favicon.svg")),
]

if settings.SELLSAFE_DEV_MAILBOX:
    urlpatterns += [
        path("dev/mailbox/", devmail.mailbox, name="dev_mailbox"),
        path("dev/mailbox/<str:message_id>/", devmail.message, name="dev_mailbox_message"),
    ]

if settings.SELLSAFE_ADMIN_ENABLED:
    from django.contrib import admin

    # The admin signs in through allauth: same rate limits, same second factor.
    admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
    urlpatterns += [path("admin/", admin.site.urls)]
