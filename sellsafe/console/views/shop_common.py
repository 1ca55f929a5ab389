"""What every shop page shares: the shop and membership the request entered with (set by
@shop_view), rendering with the shop's navigation, and finding the shop's objects by id.

Lookups go through the scoped managers: an id from another shop is "not found", the same 404 as
an id that never existed.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from sellsafe.core.errors import DomainError
from sellsafe.shops import access, selectors
from sellsafe.shops.models import Invitation, Membership, Role, Shop

NOT_FOUND = "Page not found."


def shop_of(request: HttpRequest) -> Shop:
    return cast(Shop, request.shop)  # type: ignore[attr-defined]


def membership_of(request: HttpRequest) -> Membership:
    return cast(Membership, request.membership)  # type: ignore[attr-defined]


def shop_render(
    request: HttpRequest, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HttpResponse:
    """Render a shop page with the shop, the person's membership and the codes they hold (the
    templates hide links to what the server would refuse anyway)."""
    membership = membership_of(request)
    base = {
        "shop": shop_of(request),
        "membership": membership,
        "shop_perms": membership.role.code_set,
        "is_owner": access.is_owner(membership),
    }
    base.update(context or {})
    return render(request, template, base, status=status)


def shop_url(request: HttpRequest, name: str, *args: Any) -> str:
    return reverse(f"console:{name}", args=[shop_of(request).slug, *args])


def shop_redirect(request: HttpRequest, name: str, *args: Any) -> HttpResponseRedirect:
    return HttpResponseRedirect(shop_url(request, name, *args))


def show_error(request: HttpRequest, error: DomainError, form: Form | None = None) -> None:
    """A refusal from a service: on its form field when the form has it, else as a message."""
    if form is not None:
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message)
    else:
        messages.error(request, error.message)


def member_or_404(member_id: Any) -> Membership:
    return found_or_404(selectors.member_by_id(member_id))


def role_or_404(role_id: Any) -> Role:
    return found_or_404(selectors.role_by_id(role_id))


def invitation_or_404(invitation_id: Any) -> Invitation:
    return found_or_404(selectors.invitation_by_id(invitation_id))


def found_or_404[T](found: T | None) -> T:
    """What a shop-scoped lookup found, or the same boring 404 for "missing" and "another shop's"."""
    if found is None:
        raise Http404(NOT_FOUND)
    return found
