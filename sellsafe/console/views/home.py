from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sellsafe.accounts.selectors import security_summary
from sellsafe.console.people import signed_in_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request, "console/home.html", {"security": security_summary(user=signed_in_user(request))}
    )
