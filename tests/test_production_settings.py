"""SELLSAFE_ENV=production refuses unsafe configuration and turns every strict setting on."""

import base64
import json
import os
import secrets
import subprocess
import sys

import pytest

GOOD = {
    "SELLSAFE_ENV": "production",
    "SELLSAFE_SECRET_KEY": secrets.token_urlsafe(50),
    "SELLSAFE_MASTER_KEY": base64.b64encode(bytes(range(32))).decode(),
    "SELLSAFE_ALLOWED_HOSTS": "shop.example.com",
    "SELLSAFE_SMTP_HOST": "smtp.example.com",
}

PROBE = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({k: getattr(s, k, None) for k in (
    "DEBUG", "SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "SELLSAFE_REQUIRE_MFA",
    "SELLSAFE_DEV_MAILBOX")}))
"""


def _run(env_overrides, code=PROBE, args=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SELLSAFE_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.update({"DJANGO_SETTINGS_MODULE": "sellsafe.settings", **env_overrides})
    cmd = (
        [sys.executable, "-c", code] if args is None else [sys.executable, "-m", "sellsafe", *args]
    )
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)


def test_production_turns_strict_settings_on(tmp_path):
    result = _run({**GOOD, "SELLSAFE_DATA_DIR": str(tmp_path), "SELLSAFE_REQUIRE_MFA": "false"})
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert values["CSRF_COOKIE_NAME"].startswith("__Host-")
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SELLSAFE_REQUIRE_MFA"] is True  # the dev switch is ignored
    assert values["SELLSAFE_DEV_MAILBOX"] is False


@pytest.mark.parametrize(
    "missing", ["SELLSAFE_SECRET_KEY", "SELLSAFE_MASTER_KEY", "SELLSAFE_ALLOWED_HOSTS"]
)
def test_production_refuses_to_start_without(missing, tmp_path):
    env = {**GOOD, "SELLSAFE_DATA_DIR": str(tmp_path)}
    env.pop(missing)
    result = _run(env)
    assert result.returncode != 0
    assert missing in result.stderr
    assert GOOD["SELLSAFE_SECRET_KEY"] not in result.stderr


def test_production_refuses_plain_http(tmp_path):
    result = _run({**GOOD, "SELLSAFE_DATA_DIR": str(tmp_path), "SELLSAFE_HTTPS": "false"})
    assert result.returncode != 0
    assert "HTTPS" in result.stderr


def test_deploy_check_is_clean_and_fails_without_csp_or_a_valid_master_key(tmp_path):
    env = {**GOOD, "SELLSAFE_DATA_DIR": str(tmp_path)}
    ok = _run(env, args=["check", "--deploy", "--fail-level", "WARNING"])
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad_key = _run(
        {**env, "SELLSAFE_MASTER_KEY": "too-short"},
        args=["check", "--deploy", "--fail-level", "WARNING"],
    )
    assert bad_key.returncode != 0
    assert "sellsafe.E004" in bad_key.stderr
    assert "too-short" not in bad_key.stderr


def test_missing_csp_fails_the_system_check(settings):
    from sellsafe.core.checks import production_safety

    settings.SECURE_CSP = {}
    assert [e.id for e in production_safety()] == ["sellsafe.E001"]
    settings.SECURE_CSP = {"script-src": ["'self'", "'unsafe-inline'"], "frame-ancestors": []}
    assert [e.id for e in production_safety()] == ["sellsafe.E002"]
    settings.SELLSAFE_MASTER_KEY = ""
    assert "sellsafe.E003" in [e.id for e in production_safety()]


def test_development_secrets_are_created_once_by_racing_processes(tmp_path):
    """A fresh checkout starts web and task workers at once: one secret wins, nobody fails."""
    code = "import django; django.setup(); from django.conf import settings as s; print(s.SELLSAFE_MASTER_KEY)"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SELLSAFE_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.update({"DJANGO_SETTINGS_MODULE": "sellsafe.settings", "SELLSAFE_DATA_DIR": str(tmp_path)})
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    results = [(p.communicate(timeout=120), p.returncode) for p in procs]
    assert [code for _, code in results] == [0] * 6, [out[1][-300:] for out, _ in results]
    assert len({out[0].strip() for out, _ in results}) == 1
    assert (tmp_path / "master.key").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
