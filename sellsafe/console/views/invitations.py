"""Accepting an invitation from its emailed link. The link works once, for 72 hours, and only for
the account that owns the invited address; every other case gets the same boring answer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from sellsafe.console.people import signed_in_user
from sellsafe.core.errors import DomainError, NotFound
from sellsafe.core.masking import mask_email
from sellsafe.shops import services
from sellsafe.shops.services.invitations import invitation_for_token

INVALID_TEMPLATE = "console/shop/invitation_invalid.html"


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    if not request.user.is_authenticated:
        # Sign in (or sign up) with the invited address, then come back here.
        return redirect_to_login(request.get_full_path())
    user = signed_in_user(request)
    try:
        invitation = invitation_for_token(token)
    except NotFound as error:
        return render(request, INVALID_TEMPLATE, {"message": error.message}, status=404)
    context = {
        "invitation": invitation,
        "masked_email": mask_email(invitation.email),
        "matches": invitation.email.lower() == user.email.lower(),
    }
    if request.method == "POST":
        try:
            membership = services.invitation_accept(user=user, token=token)
        except NotFound as error:
            return render(request, INVALID_TEMPLATE, {"message": error.message}, status=404)
        except DomainError as error:
            return render(
                request,
                "console/shop/invitation.html",
                {**context, "error": error.message},
                status=403,
            )
        messages.success(
            request, f"Welcome to {invitation.shop.name}. You joined as {membership.role.name}."
        )
        return HttpResponseRedirect(reverse("console:shop_dashboard", args=[invitation.shop.slug]))
    return render(request, "console/shop/invitation.html", context)
