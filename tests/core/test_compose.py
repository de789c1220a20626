"""No Docker engine runs here, so the production compose file is checked by reading it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lambdalab.runtime.config import RUNTIMES

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.smoke


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_defines_the_production_services(compose):
    assert set(compose["services"]) >= {"web", "worker", "redis", "postgres", "migrate"}


def test_web_runs_gunicorn_and_waits_for_healthy_dependencies(compose):
    web = compose["services"]["web"]
    assert "gunicorn" in " ".join(web["command"])
    assert web["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert web["depends_on"]["redis"]["condition"] == "service_healthy"
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "healthz" in " ".join(web["healthcheck"]["test"])


def test_worker_runs_celery_on_every_queue_with_sandbox_privileges(compose):
    worker = compose["services"]["worker"]
    command = " ".join(worker["command"])
    assert "celery" in command and "worker" in command
    for queue in ("interactive", "graded", "batch", "deploy"):
        assert queue in command
    assert "SYS_ADMIN" in worker["cap_add"]
    assert any("apparmor" in opt or "seccomp" in opt for opt in worker["security_opt"])
    assert worker["depends_on"]["redis"]["condition"] == "service_healthy"


def test_every_app_service_reads_its_settings_from_one_env_file(compose):
    for name in ("web", "worker", "migrate"):
        assert compose["services"][name]["env_file"] == [".env.production"], name
        environment = compose["services"][name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["REDIS_URL"].startswith("redis://")


def test_stateful_services_keep_their_data_in_named_volumes(compose):
    assert "postgres-data" in compose["volumes"]
    assert any("postgres-data:" in v for v in compose["services"]["postgres"]["volumes"])
    for name in ("postgres", "redis"):
        assert "test" in compose["services"][name]["healthcheck"], name


def test_migrate_is_a_one_shot_job(compose):
    migrate = compose["services"]["migrate"]
    assert "migrate" in " ".join(migrate["command"])
    assert migrate.get("restart", "no") == "no"


def test_dockerfile_builds_the_image_the_compose_file_uses(compose):
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("# syntax") or "FROM python:3" in dockerfile
    assert "collectstatic" in dockerfile
    assert compose["services"]["web"]["build"]["context"] == "."


def test_the_image_has_a_python_for_every_lambda_runtime_label():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for runtime in RUNTIMES:  # "python3.13": the base image's Python, or one copied beside it
        version = runtime.removeprefix("python")
        assert (
            f"FROM python:{version}-" in dockerfile or f"/usr/local/bin/{runtime} " in dockerfile
        ), runtime
