"""Machine-to-machine endpoints under /hooks/: the payment provider's webhook."""

from django.urls import path

from sellsafe.storefront import webhooks

app_name = "hooks"

urlpatterns = [
    path("payments/<slug:shop_slug>/", webhooks.payment_webhook, name="payment_webhook"),
]
