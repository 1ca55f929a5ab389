"""The web process warms up before serving: the URLconf, the email validator and the first pages'
templates are loaded at start, and every template it names exists."""

import pytest
from django.template.loader import get_template
from django.urls import get_resolver

from sellsafe.core import warmup


def test_every_warmed_template_exists():
    for name in warmup.TEMPLATES:
        assert get_template(name) is not None, name


@pytest.mark.django_db
def test_warm_up_runs_and_the_wsgi_module_calls_it(monkeypatch):
    warmup.warm_up()
    assert get_resolver().reverse_dict  # filled
    import importlib

    import sellsafe.wsgi

    calls = []
    monkeypatch.setattr(warmup, "warm_up", lambda: calls.append(1))
    importlib.reload(sellsafe.wsgi)
    assert calls == [1]
    assert callable(sellsafe.wsgi.application)
