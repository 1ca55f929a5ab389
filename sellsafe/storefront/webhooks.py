"""The payment provider's webhook: POST only, no session, no CSRF token (the HMAC signature is the
authentication). Answers are tiny JSON with nothing to learn from: every rejection looks the same.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sellsafe.orders.services.payments import BODY_MAX, webhook_handle
from sellsafe.shops.models import Shop

SIGNATURE_HEADER = "HTTP_SELLSAFE_SIGNATURE"  # the `Sellsafe-Signature` request header


def _answer(status: int) -> JsonResponse:
    body = {200: {"received": True}, 404: {"error": "not found"}}.get(status, {"error": "rejected"})
    return JsonResponse(body, status=status)


@csrf_exempt
@require_POST
def payment_webhook(request: HttpRequest, shop_slug: str) -> JsonResponse:
    shop = Shop.objects.filter(slug=shop_slug).first()
    if shop is None:
        return _answer(404)
    # One byte past the limit is enough for the service to refuse it; never read more.
    body = request.read(BODY_MAX + 1)
    outcome = webhook_handle(
        shop=shop, body=body, signature_header=request.META.get(SIGNATURE_HEADER, "")
    )
    return _answer(outcome.http_status)
