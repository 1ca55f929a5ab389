"""The buyer's return request from their private order link (built by the returns work)."""

from django.http import Http404, HttpRequest, HttpResponse


def request_return(request: HttpRequest, shop_slug: str, token: str) -> HttpResponse:
    raise Http404
