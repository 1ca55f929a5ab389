"""Console URLs (issue 5), included from shop_urls.py under /s/<shop_slug>/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
