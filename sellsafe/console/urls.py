from django.urls import path

from sellsafe.console.views import account, home

app_name = "console"

urlpatterns = [
    path("", home.home, name="home"),
    path("account/activity/", account.activity, name="account_activity"),
    path("account/anti-phishing/", account.anti_phishing, name="anti_phishing"),
    path("account/not-me/<str:token>/", account.not_me, name="not_me"),
    path("account/sessions/<int:session_id>/end/", account.session_end, name="session_end"),
]
