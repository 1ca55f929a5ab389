"""Creating a shop: the first step for a new seller, and "New shop" in the shop switcher."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from sellsafe.console.people import signed_in_user
from sellsafe.console.shop_forms import ShopCreateForm
from sellsafe.console.views.shop_common import show_error
from sellsafe.core.errors import DomainError
from sellsafe.shops import services


@login_required
@require_http_methods(["GET", "POST"])
def shop_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    status = 200
    if request.method == "POST":
        form = ShopCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                shop = services.shop_create(
                    actor=user,
                    name=data["name"],
                    slug=data["slug"],
                    country=data["country"],
                    currency=data["currency"],
                    timezone=data["timezone"],
                    contact_email=data["contact_email"],
                    phishing_resistant_roles=data["phishing_resistant_roles"],
                )
            except DomainError as error:
                show_error(request, error, form)
            else:
                messages.success(request, f"{shop.name} is ready. You are its owner.")
                return HttpResponseRedirect(reverse("console:shop_dashboard", args=[shop.slug]))
        status = 400
    else:
        form = ShopCreateForm(initial={"contact_email": user.email})
    return render(request, "console/shop/new.html", {"form": form}, status=status)
