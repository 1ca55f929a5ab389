"""The person's own account pages: activity, anti-phishing code, "this wasn't me"."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from sellsafe.accounts import services
from sellsafe.accounts.models import User
from sellsafe.accounts.selectors import activity_for
from sellsafe.accounts.tasks import NOT_ME_MAX_AGE, NOT_ME_SALT
from sellsafe.console.forms import AntiPhishingForm
from sellsafe.console.people import signed_in_user


@login_required
def activity(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "console/account/activity.html",
        {"rows": activity_for(user=signed_in_user(request))},
    )


@login_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def anti_phishing(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if request.method == "POST":
        form = AntiPhishingForm(request.POST)
        if form.is_valid():
            services.anti_phishing_phrase_set(user=user, phrase=form.cleaned_data["phrase"])
            messages.success(request, "Your anti-phishing code is saved.")
            return redirect("console:anti_phishing")
    else:
        form = AntiPhishingForm(initial={"phrase": user.anti_phishing_phrase})
    return render(request, "console/account/anti_phishing.html", {"form": form})


@require_http_methods(["GET", "POST"])
def not_me(request: HttpRequest, token: str) -> HttpResponse:
    """Linked from the new-sign-in email. Works without signing in: the owner may be locked out."""
    try:
        data = signing.loads(token, salt=NOT_ME_SALT, max_age=NOT_ME_MAX_AGE)
        user = User.objects.get(pk=data["u"])
    except (signing.BadSignature, User.DoesNotExist, KeyError, ValueError, TypeError):
        return render(request, "console/account/not_me_invalid.html", status=400)
    if request.method == "POST":
        services.not_me_reported(user=user)
        if request.user.is_authenticated:
            logout(request)
        messages.success(
            request,
            "Every session of your account has ended and your password no longer works. "
            "Set a new one with the link we email you now.",
        )
        return redirect("account_reset_password")
    return render(request, "console/account/not_me.html", {"token": token})


@login_required
@require_http_methods(["POST"])
def session_end(request: HttpRequest, session_id: int) -> HttpResponse:
    """End one of the person's own sessions. Another person's session id is simply not found."""
    from allauth.usersessions.models import UserSession

    user_session = get_object_or_404(UserSession, pk=session_id, user=request.user)
    current = user_session.is_current()
    services.sessions_end(sessions=[user_session])
    if current:
        logout(request)
        return redirect("account_login")
    messages.success(request, "That session has ended: the browser is signed out.")
    return redirect("usersessions_list")
