"""The at-scale parts against the real Redis: shared rate limits, RQ task queue; and the embedded
database task queue with its real worker command."""

import os
import uuid

import pytest
import redis
from allauth.core import ratelimit
from django.core.management import call_command
from django.test import RequestFactory

from sellsafe.accounts import services
from sellsafe.accounts.tasks import send_anti_phishing_changed_notice

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_settings(settings):
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: start it (see .ci/run)")
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    yield client
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@pytest.mark.redis
def test_rate_limit_is_shared_through_redis(redis_settings, db):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="192.0.2.10")
    request.user = None
    allowed = [
        bool(ratelimit.consume(request, action="login_failed", key="victim@example.com"))
        for _ in range(7)
    ]
    assert allowed == [True] * 5 + [False] * 2
    # The counter lives in Redis, where every web process sees it.
    assert any(b"login_failed" in key for key in redis_settings.scan_iter("*"))


@pytest.mark.redis
def test_rq_backend_runs_a_real_task(
    redis_settings, settings, monkeypatch, make_user, mailoutbox, transactional_db
):
    import django_rq
    import django_rq.settings
    from django.tasks import task_backends
    from django_tasks_rq import Job
    from rq import SimpleWorker

    queue_name = f"test-{uuid.uuid4().hex[:8]}"
    # django_rq reads its queue table once, at import: add a private queue for this test.
    for name in (queue_name, "default"):  # results are looked up on the default connection
        monkeypatch.setitem(
            django_rq.settings.QUEUES, name, {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 60}
        )
    # "default" too: tasks declared by modules the worker imports first (URLconf) are validated
    # against this backend, and they use the default queue.
    settings.TASKS = {
        "default": {
            "BACKEND": "sellsafe.core.task_queue.RQBackend",
            "QUEUES": [queue_name, "default"],
        }
    }
    user = make_user()
    backend = task_backends["default"]
    assert type(backend).__name__ == "RQBackend"
    # One Redis client per process, not a new connection per enqueue.
    assert django_rq.get_queue(queue_name).connection is django_rq.get_queue(queue_name).connection
    result = send_anti_phishing_changed_notice.using(queue_name=queue_name).enqueue(
        user_id=str(user.pk)
    )
    queue = django_rq.get_queue(queue_name)
    assert queue.count == 1
    # Workers must use the backend's job class (`sellsafe rqworker --job-class django_tasks_rq.Job`).
    SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert mailoutbox and "anti-phishing" in mailoutbox[0].subject.lower()
    queue.delete(delete_jobs=True)


def test_database_task_queue_and_its_worker(settings, make_user, mailoutbox, transactional_db):
    from django.tasks import task_backends
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "sellsafe.core.task_queue.DatabaseBackend"}}
    assert type(task_backends["default"]).__name__ == "DatabaseBackend"
    user = make_user()
    mailoutbox.clear()
    services.anti_phishing_phrase_set(user=user, phrase="blue heron 7")
    assert DBTaskResult.objects.ready().count() == 1
    assert not mailoutbox  # queued, not sent inline
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*")
    assert DBTaskResult.objects.successful().count() == 1
    assert "blue heron 7" in mailoutbox[0].body
