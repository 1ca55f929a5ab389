"""`sellsafe periodic`: every job runs on its interval, a failing one stops nothing."""

import pytest
from django.core.management import call_command

from sellsafe.console.management.commands import periodic

pytestmark = pytest.mark.django_db


def test_each_job_runs_once_per_interval(monkeypatch):
    calls = []
    jobs = tuple(
        periodic.Job(name, every, lambda name=name: calls.append(name))
        for name, every in (("fast", 60), ("slow", 3600))
    )
    monkeypatch.setattr(periodic, "JOBS", jobs)
    last: dict[str, float] = {}
    assert periodic.run_due(last, 1000.0) == ["fast", "slow"]
    assert periodic.run_due(last, 1030.0) == []
    assert periodic.run_due(last, 1061.0) == ["fast"]
    assert calls == ["fast", "slow", "fast"]


def test_a_failing_job_is_logged_without_stopping_the_others(monkeypatch, caplog):
    def broken():
        raise RuntimeError("boom")

    ran = []
    monkeypatch.setattr(
        periodic,
        "JOBS",
        (periodic.Job("broken", 60, broken), periodic.Job("fine", 60, lambda: ran.append(1))),
    )
    assert periodic.run_due({}, 0.0) == ["fine"]
    assert ran == [1]
    assert "periodic job failed: broken" in caplog.text


def test_once_runs_the_real_jobs(capsys):
    call_command("periodic", "--once")
    out = capsys.readouterr().out
    assert "expire staff access" in out
    assert "expire unpaid orders" in out
    assert "customer data retention" in out
