"""The Cloud pages as learners use them: their own work only, guardrails, polling while pending."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from lambdalab.cloud.models import CloudInvocation, Deployment, Status
from tests.cloud.test_flow import deploy, make_run
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
LESSONS = Path(__file__).resolve().parents[2] / "lessons"


@pytest.fixture
def first_handler(db):
    from lambdalab.catalog.content import parse_catalog, read_tree
    from lambdalab.catalog.models import Exercise
    from lambdalab.catalog.services import catalog_sync

    files, _ = read_tree(LESSONS)
    catalog_sync(catalog=parse_catalog({p: t for p, t in files.items() if p.startswith("01-")}))
    return Exercise.objects.get(slug="first-handler")


def test_the_cloud_page_needs_a_login(anonymous, cloud_settings):
    response = anonymous.get(reverse("cloud"))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_nav_links_to_the_cloud_page(ada, cloud_settings):
    assert f'href="{reverse("cloud")}"' in ada.get(reverse("cloud")).content.decode()


def test_a_classmate_cannot_see_or_invoke_anothers_deployment(
    ada, student, classmate, connected, post, deploy_queue
):
    deployment = deploy(post, ada, make_run(student), deploy_queue)
    grace = client_for(classmate)

    assert grace.get(deployment.get_absolute_url()).status_code == 404
    assert (
        post(grace, reverse("cloud_invoke", args=[deployment.pk]), {"event": "{}"}).status_code
        == 404
    )
    assert not CloudInvocation.objects.exists()


def test_deploying_before_connecting_says_so(ada, student, cloud_settings, post, deploy_queue):
    response = post(ada, reverse("cloud_deploy"), {"run": make_run(student).pk})

    assert response.status_code == 422
    assert "Connect your AWS account first." in response.content.decode()


def test_memory_above_the_guardrail_is_refused_with_the_limit(
    ada, student, connected, post, deploy_queue, settings
):
    settings.CLOUD_MAX_MEMORY_MB = 512
    response = post(ada, reverse("cloud_deploy"), {"run": make_run(student).pk, "memory": 2048})

    assert response.status_code == 422
    assert "Memory must be between 128 and 512 MB" in response.content.decode()
    assert deploy_queue.sent == []


def test_deploys_are_rate_limited_per_learner(
    ada, student, connected, post, deploy_queue, settings
):
    settings.CLOUD_DEPLOYS_PER_HOUR = 1
    deploy(post, ada, make_run(student), deploy_queue)

    response = post(ada, reverse("cloud_deploy"), {"run": make_run(student).pk})

    assert response.status_code == 422
    assert "You can deploy 1 times an hour" in response.content.decode()


def test_invokes_are_rate_limited_per_learner(
    ada, student, connected, post, deploy_queue, settings
):
    settings.CLOUD_INVOKES_PER_MINUTE = 1
    deployment = deploy(post, ada, make_run(student), deploy_queue)
    url = reverse("cloud_invoke", args=[deployment.pk])
    assert post(ada, url, {"event": "{}"}).status_code == 302

    response = post(ada, url, {"event": "{}"})

    assert response.status_code == 422
    assert "You can invoke 1 times a minute" in response.content.decode()


def test_an_invalid_event_is_refused_in_words(ada, student, connected, post, deploy_queue):
    deployment = deploy(post, ada, make_run(student), deploy_queue)

    response = post(ada, reverse("cloud_invoke", args=[deployment.pk]), {"event": "{oops"})

    assert response.status_code == 422
    assert "The test event is not valid JSON" in response.content.decode()


def test_a_torn_down_function_cannot_be_invoked(ada, student, connected, post, deploy_queue):
    deployment = deploy(post, ada, make_run(student), deploy_queue)
    Deployment.objects.filter(pk=deployment.pk).update(torn_down_at=timezone.now())

    response = post(ada, reverse("cloud_invoke", args=[deployment.pk]), {"event": "{}"})

    assert response.status_code == 422
    assert "Deploy the function first" in response.content.decode()


def test_the_deployments_list_polls_while_pending_and_stops_when_done(
    ada, student, connected, post, deploy_queue
):
    post(ada, reverse("cloud_deploy"), {"run": make_run(student).pk})
    partial = ada.get(reverse("cloud_deployments"), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in partial and "queued" in partial

    deploy_queue.run_all()

    partial = ada.get(reverse("cloud_deployments"), HTTP_HX_REQUEST="true").content.decode()
    assert "every 2s" not in partial and "deployed" in partial
    assert "<html" not in partial  # a partial, not the whole page


def test_a_saved_draft_deploys_with_the_exercises_handler_and_name(
    ada, student, connected, post, deploy_queue, first_handler
):
    from lambdalab.progress.models import Draft

    version = first_handler.current_version
    code = {p: t for p, t in version.files.items() if p.endswith(".py") and "/" not in p}
    Draft.objects.create(
        user=student,
        exercise=first_handler,
        files=code or {"lambda_function.py": "def lambda_handler(e, c):\n    return e\n"},
    )
    page = ada.get(reverse("cloud")).content.decode()
    assert first_handler.title in page  # offered in the deploy form

    response = post(ada, reverse("cloud_deploy"), {"exercise": "first-handler"})
    assert response.status_code == 302
    deploy_queue.run_all()

    deployment = Deployment.objects.get()
    assert deployment.status == Status.FINISHED, deployment.error_message
    assert deployment.function_name == "lambdalab-ada-first-handler"
    assert deployment.handler == version.content().handler
    tags = connected.client("lambda").list_tags(Resource=deployment.function_arn)["Tags"]
    assert tags["lambdalab:exercise"] == "first-handler"


def test_other_pages_can_link_to_deploying_a_run(ada, student, connected, cloud_settings):
    run = make_run(student)

    page = ada.get(reverse("cloud") + f"?run={run.pk}").content.decode()

    assert f'name="run" value="{run.pk}"' in page
    assert f'Deploying the code of <a href="{reverse("run_detail", args=[run.pk])}">run' in page


def test_an_invoke_can_start_from_an_s3_template_or_a_saved_event(
    ada, student, connected, post, deploy_queue, first_handler
):
    from lambdalab.progress.models import Draft, SavedEvent

    Draft.objects.create(
        user=student,
        exercise=first_handler,
        files={"lambda_function.py": "def lambda_handler(e, c):\n    return e\n"},
    )
    SavedEvent.objects.create(
        user=student, exercise=first_handler, name="big-order", body='{"order": 9001}'
    )
    post(ada, reverse("cloud_deploy"), {"exercise": "first-handler"})
    deploy_queue.run_all()
    url = Deployment.objects.get().get_absolute_url()

    page = ada.get(url).content.decode()
    assert "?template=s3-put" in page and "?saved=big-order" in page
    assert (
        "&quot;eventSource&quot;: &quot;aws:s3&quot;"
        in ada.get(url + "?template=s3-put").content.decode()
    )
    assert "{&quot;order&quot;: 9001}" in ada.get(url + "?saved=big-order").content.decode()


def test_no_deploy_starts_while_a_teardown_runs(ada, student, connected, post, deploy_queue):
    assert post(ada, reverse("cloud_teardown_create"), {"confirm": "on"}).status_code == 302

    response = post(ada, reverse("cloud_deploy"), {"run": make_run(student).pk})

    assert response.status_code == 422
    assert "A teardown is running" in response.content.decode()


def test_after_a_teardown_the_same_code_deploys_again_with_one_click(
    ada, student, connected, post, deploy_queue
):
    first = deploy(post, ada, make_run(student, memory=256), deploy_queue)
    post(ada, reverse("cloud_teardown_create"), {"confirm": "on"})
    deploy_queue.run_all()
    page = ada.get(first.get_absolute_url()).content.decode()
    assert "Deploy this code again" in page

    response = post(
        ada,
        reverse("cloud_deploy"),
        {"again": first.pk, "execution_role_arn": first.execution_role_arn},
    )
    assert response.status_code == 302
    deploy_queue.run_all()

    again = Deployment.objects.latest("created_at")
    assert again.status == Status.FINISHED and again.created_function is True
    assert (again.files, again.memory, again.version) == (first.files, 256, "1")


def test_verify_before_connecting_says_so_in_place(ada, cloud_settings, post, deploy_queue):
    response = post(ada, reverse("cloud_verify"), HTTP_HX_REQUEST="true")

    assert response.status_code == 422
    text = response.content.decode()
    assert "Connect your AWS account first." in text and "<html" not in text
    assert deploy_queue.sent == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"mode": "keys", "access_key_id": "not-a-key", "secret_access_key": "x" * 40},
            "An access key ID starts with AKIA",
        ),
        (
            {"mode": "keys", "access_key_id": "AKIAADALOVELACE12345", "secret_access_key": "short"},
            "The secret access key is 40 characters long.",
        ),
        (
            {"mode": "role", "role_arn": "arn:aws:iam::123456789012:user/ada"},
            "The access role must be an IAM role ARN",
        ),
    ],
)
def test_a_bad_connection_is_refused_with_the_reason(
    ada, student, cloud_settings, post, data, message
):
    from lambdalab.cloud.models import CloudAccount

    response = post(ada, reverse("cloud_connect"), {"region": "eu-west-1", **data})

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not CloudAccount.objects.get(user=student).is_connected
