from django.urls import include, path

from sellsafe.console.views import account, home, invitations, onboarding

app_name = "console"

urlpatterns = [
    path("", home.home, name="home"),
    path("account/activity/", account.activity, name="account_activity"),
    path("account/anti-phishing/", account.anti_phishing, name="anti_phishing"),
    path("account/not-me/<str:token>/", account.not_me, name="not_me"),
    path("account/sessions/<int:session_id>/end/", account.session_end, name="session_end"),
    path("shops/new/", onboarding.shop_new, name="shop_new"),
    path("invitations/<str:token>/", invitations.invitation_accept, name="invitation_accept"),
    path("s/<slug:shop_slug>/", include("sellsafe.console.shop_urls")),
]
