from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sellsafe.core.health import status


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report = status()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
