"""Staff: who works in the shop, inviting people, changing roles, ending access, leaving."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from sellsafe.audit.activity import member_activity, object_history
from sellsafe.console.shop_access import shop_view
from sellsafe.console.shop_forms import (
    AccessEndForm,
    InviteForm,
    MemberRoleForm,
    ends_at_from_date,
)
from sellsafe.console.views.shop_activity import labelled
from sellsafe.console.views.shop_common import (
    invitation_or_404,
    member_or_404,
    membership_of,
    shop_of,
    shop_redirect,
    shop_render,
    show_error,
)
from sellsafe.core.errors import DomainError
from sellsafe.core.masking import mask_email
from sellsafe.shops import selectors, services
from sellsafe.shops.models import Membership


@shop_view("staff.view")
@require_http_methods(["GET"])
def staff_list(request: HttpRequest) -> HttpResponse:
    return shop_render(
        request,
        "console/shop/staff.html",
        {"members": selectors.staff(), "invitations": selectors.pending_invitations()},
    )


@shop_view("staff.manage")
@require_http_methods(["GET", "POST"])
def staff_invite(request: HttpRequest) -> HttpResponse:
    actor = membership_of(request)
    offered = selectors.grantable_roles(actor=actor)
    if request.method == "POST":
        form = InviteForm(request.POST, offered_roles=offered)
        if form.is_valid():
            data = form.cleaned_data
            try:
                new = services.member_invite(
                    actor=actor,
                    shop=shop_of(request),
                    email=data["email"],
                    role=data["role"],
                    access_ends_at=ends_at_from_date(data["access_ends_on"], shop_of(request)),
                )
            except DomainError as error:
                show_error(request, error, form)
            else:
                messages.success(
                    request,
                    f"Invitation sent to {new.invitation.email}. The link works once, for 72 hours.",
                )
                return shop_redirect(request, "shop_staff")
        status = 400
    else:
        form = InviteForm(offered_roles=offered)
        status = 200
    return shop_render(
        request, "console/shop/staff_invite.html", {"form": form, "offered": offered}, status=status
    )


@shop_view("staff.manage")
@require_http_methods(["POST"])
def invitation_revoke(request: HttpRequest, invitation_id: UUID) -> HttpResponse:
    invitation = invitation_or_404(invitation_id)
    try:
        services.invitation_revoke(
            actor=membership_of(request), shop=shop_of(request), invitation=invitation
        )
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, f"The invitation for {mask_email(invitation.email)} is revoked.")
    return shop_redirect(request, "shop_staff")


def _member_page(
    request: HttpRequest,
    member: Membership,
    *,
    role_form: MemberRoleForm | None = None,
    end_form: AccessEndForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = membership_of(request)
    shop = shop_of(request)
    offered = selectors.grantable_roles(actor=actor)
    ends = member.access_ends_at
    return shop_render(
        request,
        "console/shop/member.html",
        {
            "member": member,
            "is_self": member.pk == actor.pk,
            "role_form": role_form
            or MemberRoleForm(offered_roles=offered, initial={"role": member.role_id}),
            "end_form": end_form
            or AccessEndForm(initial={"ends_on": timezone.localdate(ends) if ends else None}),
            "history": labelled(
                object_history(shop=shop, target_type="membership", target_id=str(member.pk))
            ),
            "recent": labelled(member_activity(shop=shop, user=member.user, limit=10)),
        },
        status=status,
    )


@shop_view("staff.manage")
@require_http_methods(["GET"])
def member_detail(request: HttpRequest, member_id: UUID) -> HttpResponse:
    return _member_page(request, member_or_404(member_id))


@shop_view("staff.manage")
@require_http_methods(["POST"])
def member_role(request: HttpRequest, member_id: UUID) -> HttpResponse:
    member = member_or_404(member_id)
    actor = membership_of(request)
    form = MemberRoleForm(request.POST, offered_roles=selectors.grantable_roles(actor=actor))
    if form.is_valid():
        try:
            services.member_change_role(
                actor=actor, shop=shop_of(request), member=member, role=form.cleaned_data["role"]
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, f"{member.user} now has the {member.role.name} role.")
            return shop_redirect(request, "shop_member", member.pk)
    member = member_or_404(member_id)  # as stored: a refused change leaves it as it was
    return _member_page(request, member, role_form=form, status=400)


@shop_view("staff.manage")
@require_http_methods(["POST"])
def member_access_end(request: HttpRequest, member_id: UUID) -> HttpResponse:
    member = member_or_404(member_id)
    data = request.POST.copy()
    if "clear" in data:
        data["ends_on"] = ""
    form = AccessEndForm(data)
    if form.is_valid():
        try:
            services.member_set_access_end(
                actor=membership_of(request),
                shop=shop_of(request),
                member=member,
                ends_at=ends_at_from_date(form.cleaned_data["ends_on"], shop_of(request)),
            )
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, "The access end date is saved.")
            return shop_redirect(request, "shop_member", member.pk)
    member = member_or_404(member_id)
    return _member_page(request, member, end_form=form, status=400)


@shop_view("staff.manage")
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, member_id: UUID) -> HttpResponse:
    member = member_or_404(member_id)
    actor = membership_of(request)
    if member.pk == actor.pk:
        return shop_redirect(request, "shop_leave")
    if request.method == "POST":
        try:
            services.member_remove(actor=actor, shop=shop_of(request), member=member)
        except DomainError as error:
            show_error(request, error)
        else:
            messages.success(request, f"{member.user} no longer works in this shop.")
            return shop_redirect(request, "shop_staff")
    return shop_render(request, "console/shop/member_remove.html", {"member": member})


@shop_view("shop.view")
@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest) -> HttpResponse:
    """A member leaves the shop. Their sessions end (as for any removed member), so they sign in
    again afterwards."""
    actor = membership_of(request)
    if request.method == "POST":
        shop = shop_of(request)
        try:
            services.member_remove(actor=actor, shop=shop, member=actor)
        except DomainError as error:
            show_error(request, error)
        else:
            # The service ended this session too: start a clean one to carry the message.
            logout(request)
            messages.success(request, f"You left {shop.name}.")
            return HttpResponseRedirect(reverse("console:home"))
    return shop_render(request, "console/shop/leave.html")
