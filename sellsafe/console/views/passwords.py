from django.http import HttpRequest, HttpResponse


def password_strength(request: HttpRequest) -> HttpResponse:  # placeholder, replaced by helper
    return HttpResponse("")
