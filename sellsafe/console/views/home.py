from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sellsafe.accounts.selectors import security_summary
from sellsafe.console.people import signed_in_user
from sellsafe.shops.selectors import shops_for_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The console home: the person's shops and their security checkup. Someone without a shop
    starts by creating one."""
    user = signed_in_user(request)
    memberships = shops_for_user(user=user)
    if not memberships:
        return redirect("console:shop_new")
    return render(
        request,
        "console/home.html",
        {"security": security_summary(user=user), "memberships": memberships},
    )
