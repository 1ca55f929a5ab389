def test_healthz_reports_each_part(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    for part in ("database", "cache", "tasks"):
        assert body[part]["ok"] is True
    assert "backend" in body["tasks"]
    assert "postgres" not in response.content.decode().lower()


def test_healthz_reports_a_broken_cache_as_degraded(client, db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"]["ok"] is False
    assert "127.0.0.1:1" not in response.content.decode()
