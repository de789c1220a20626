from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.smoke


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; production never does.
    dropped = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "p9!x2@v7#kq4$w8%z1^m6&n3*r5(t0)y_hj-gf+ed=cb~sa?lo<ik>ju.nh,mgb",
    "ALLOWED_HOSTS": "lambdalab.example.org",
    "DATABASE_URL": "postgres://lambdalab:secret@db.example.org:5432/lambdalab",
    "REDIS_URL": "redis://redis.example.org:6379/0",
}


def test_deploy_checks_are_clean_with_production_values():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_malformed_boolean_stops_the_app_and_names_the_variable():
    result = run_manage("check", **{**PRODUCTION, "DEBUG": "maybe"})

    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_production_without_a_secret_key_refuses_to_start():
    result = run_manage("check", **{**PRODUCTION, "SECRET_KEY": ""})

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_every_setting_read_from_the_environment_is_documented_in_env_example():
    import re

    source = (ROOT / "lambdalab" / "settings.py").read_text()
    read = set(re.findall(r'env_(?:str|bool|int|list)\("([A-Z_]+)"', source))
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))

    assert read, "settings read no variables?"
    assert read <= documented, f"undocumented: {sorted(read - documented)}"
