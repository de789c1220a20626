"""The exercise workspace: starter code, drafts kept and restored, events, bad input, config."""

from __future__ import annotations

import json

from lambdalab.progress.models import Draft, SavedEvent
from lambdalab.submissions.models import Run, Submission

HTMX = {"HTTP_HX_REQUEST": "true"}


def _form(exercise, code: str, **extra) -> dict:
    return {"file:lambda_function.py": code, "event": '{"name": "Ada"}', **extra}


def test_visitor_is_asked_to_log_in_before_the_workspace(anonymous, first_exercise):
    response = anonymous.get(f"/exercises/{first_exercise.slug}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_learner_opens_an_exercise_and_gets_the_starter_and_the_controls(
    student_client, first_exercise
):
    content = first_exercise.current_version.content()
    page = student_client.get(f"/exercises/{first_exercise.slug}/").content.decode()
    assert ">Handler code</label>" in page
    assert 'data-label="Handler code"' in page
    starter = content.starter_files["lambda_function.py"]
    assert starter.splitlines()[0].replace('"', "&quot;") in page
    assert ">Test</button>" in page and ">Submit</button>" in page
    assert 'id="test-result" aria-live="polite"' in page
    assert "Starter code" in page


def test_draft_is_autosaved_and_restored_on_return(student, student_client, first_exercise):
    url = f"/exercises/{first_exercise.slug}/draft/"
    code = "def lambda_handler(event, context):\n    return {'draft': 'mine'}\n"
    response = student_client.post(url, _form(first_exercise, code), **HTMX)
    assert response.status_code == 200
    assert "Draft saved" in response.content.decode()
    assert Draft.objects.get(user=student, exercise=first_exercise).files == {
        "lambda_function.py": code
    }
    page = student_client.get(f"/exercises/{first_exercise.slug}/").content.decode()
    assert "{&#x27;draft&#x27;: &#x27;mine&#x27;}" in page
    assert "Draft restored" in page


def test_each_save_replaces_the_one_draft_and_submit_saves_it_too(
    student, student_client, first_exercise
):
    url = f"/exercises/{first_exercise.slug}/draft/"
    student_client.post(url, _form(first_exercise, "FIRST = 1\n", memory="256"), **HTMX)
    student_client.post(url, _form(first_exercise, "SECOND = 2\n"), **HTMX)
    student_client.post(
        f"/exercises/{first_exercise.slug}/submit/", _form(first_exercise, "THIRD = 3\n"), **HTMX
    )

    draft = Draft.objects.get(user=student, exercise=first_exercise)
    assert draft.files == {"lambda_function.py": "THIRD = 3\n"}
    assert draft.event_text == '{"name": "Ada"}'
    page = student_client.get(f"/exercises/{first_exercise.slug}/").content.decode()
    assert "THIRD = 3" in page and "SECOND" not in page


def test_drafts_are_private_to_each_learner(student_client, classmate, first_exercise):
    from tests.conftest import client_for

    student_client.post(
        f"/exercises/{first_exercise.slug}/draft/",
        _form(first_exercise, "SECRET_DRAFT = 1\n"),
        **HTMX,
    )
    page = client_for(classmate).get(f"/exercises/{first_exercise.slug}/").content.decode()
    assert "SECRET_DRAFT" not in page


def test_reset_brings_back_the_starter(student, student_client, first_exercise):
    student_client.post(
        f"/exercises/{first_exercise.slug}/draft/", _form(first_exercise, "x = 1\n"), **HTMX
    )
    response = student_client.post(f"/exercises/{first_exercise.slug}/reset/")
    assert response.status_code == 302
    assert not Draft.objects.filter(user=student).exists()
    assert "Starter code" in student_client.get(response["Location"]).content.decode()


def test_code_over_three_megabytes_is_refused_inline(
    student, student_client, first_exercise, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
    huge = "x = 1\n" * 600_000  # 3.6 MB
    response = student_client.post(
        f"/exercises/{first_exercise.slug}/test/", _form(first_exercise, huge), **HTMX
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "the limit is 3 MB" in page and 'role="alert"' in page
    assert not Run.objects.exists()


def test_a_body_over_the_servers_limit_is_refused_in_words(
    student_client, first_exercise, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    huge = "x = 1\n" * 300_000  # 1.8 MB, over this server's body limit
    for action in ("test", "submit", "draft"):
        response = student_client.post(
            f"/exercises/{first_exercise.slug}/{action}/", _form(first_exercise, huge), **HTMX
        )
        assert response.status_code == 413
        assert "larger than the 3 MB limit" in response.content.decode()
    assert not Run.objects.exists() and not Submission.objects.exists()


def test_non_utf8_bytes_are_refused_and_the_draft_kept(student, student_client, first_exercise):
    body = (
        b"file:lambda_function.py=def+lambda_handler%28e%2C+c%29%3A+return+%22%FF%FE%22"
        b"&event=%7B%7D"
    )
    response = student_client.post(
        f"/exercises/{first_exercise.slug}/test/",
        body,
        content_type="application/x-www-form-urlencoded",
        **HTMX,
    )
    assert response.status_code == 422
    assert "not UTF-8" in response.content.decode()
    assert not Run.objects.exists()
    draft = Draft.objects.get(user=student, exercise=first_exercise)
    assert draft.files["lambda_function.py"].startswith("def lambda_handler(e, c):")


def test_invalid_event_json_names_the_line_and_keeps_the_draft(
    student, student_client, first_exercise
):
    code = "def lambda_handler(event, context):\n    return 1\n"
    form = _form(first_exercise, code, event='{\n  "name": "Ada",\n  "oops"\n}')
    response = student_client.post(f"/exercises/{first_exercise.slug}/test/", form, **HTMX)
    page = response.content.decode()
    assert response.status_code == 422
    assert "not valid JSON" in page and "Line 4" in page
    assert (
        Draft.objects.get(user=student, exercise=first_exercise).files["lambda_function.py"] == code
    )
    assert not Run.objects.exists()


def test_a_null_event_is_queued_and_an_oversized_one_is_refused_for_its_size(
    student, student_client, first_exercise
):
    code = "def lambda_handler(event, context):\n    return event\n"
    url = f"/exercises/{first_exercise.slug}/test/"

    response = student_client.post(url, _form(first_exercise, code, event="null"), **HTMX)
    assert response.status_code == 200 and Run.objects.get(user=student).event is None

    big = '{"d": "' + "x" * 300_000 + '"}'
    page = student_client.post(url, _form(first_exercise, code, event=big), **HTMX)
    text = page.content.decode()
    assert page.status_code == 422 and "not valid JSON" not in text
    assert "The test event is 293 KB; LambdaLab keeps test events under 256 KB" in text
    assert Run.objects.count() == 1


def test_unknown_exercise_says_so_in_words(student_client, curriculum):
    response = student_client.get("/exercises/no-such-exercise/")
    assert response.status_code == 404
    assert "There is no exercise called “no-such-exercise”" in response.content.decode()
    response = student_client.post("/exercises/no-such-exercise/test/", {}, **HTMX)
    assert response.status_code == 404
    assert "There is no exercise called" in response.content.decode()


def test_test_queues_a_run_with_the_event_and_a_forced_cold_start(
    student, student_client, first_exercise
):
    code = "def lambda_handler(event, context):\n    return event\n"
    response = student_client.post(
        f"/exercises/{first_exercise.slug}/test/", _form(first_exercise, code, cold="on"), **HTMX
    )
    run = Run.objects.get(user=student)
    assert run.event == {"name": "Ada"} and run.cold is True
    assert run.files == {"lambda_function.py": code}
    page = response.content.decode()
    assert "Queued" in page and f'hx-get="/runs/{run.pk}/"' in page


def test_only_configurable_fields_reach_the_run(student, student_client, curriculum):
    from lambdalab.catalog.models import Exercise

    exercise = next(
        e for e in Exercise.objects.all() if "memory" in e.current_version.content().configurable
    )
    content = exercise.current_version.content()
    path = next(iter(content.starter_files))
    form = {f"file:{p}": t for p, t in content.starter_files.items()}
    form.update(event="{}", memory="1024", timeout="5", environment="GREETING=Hi")
    student_client.post(f"/exercises/{exercise.slug}/test/", form, **HTMX)
    run = Run.objects.get(user=student)
    assert run.config["memory"] == 1024
    for key in ("timeout", "environment"):
        assert (key in run.config) == (key in content.configurable)
    assert path in run.files


def test_bad_memory_is_an_inline_message(student_client, curriculum):
    from lambdalab.catalog.models import Exercise

    exercise = next(
        e for e in Exercise.objects.all() if "memory" in e.current_version.content().configurable
    )
    content = exercise.current_version.content()
    form = {f"file:{p}": t for p, t in content.starter_files.items()}
    form.update(event="{}", memory="lots")
    response = student_client.post(f"/exercises/{exercise.slug}/test/", form, **HTMX)
    assert response.status_code == 422
    assert "Memory must be a whole number" in response.content.decode()


def test_learner_saves_a_private_event_and_picks_it_later(
    student, student_client, classmate, first_exercise
):
    from tests.conftest import client_for

    body = '{"name": "Grace"}'
    response = student_client.post(
        f"/exercises/{first_exercise.slug}/events/",
        _form(first_exercise, "x=1\n", event=body, event_name="grace"),
        **HTMX,
    )
    assert "Saved “grace”" in response.content.decode()
    assert 'value="saved:grace" selected>grace<' in response.content.decode()
    assert SavedEvent.objects.get(user=student).body == body
    page = student_client.get(
        f"/exercises/{first_exercise.slug}/?event=saved:grace"
    ).content.decode()
    assert "Your saved events" in page and "&quot;Grace&quot;" in page
    other = client_for(classmate).get(f"/exercises/{first_exercise.slug}/").content.decode()
    assert "Your saved events" not in other


def test_saving_an_invalid_event_is_refused_with_its_line(student_client, first_exercise):
    response = student_client.post(
        f"/exercises/{first_exercise.slug}/events/",
        _form(first_exercise, "x=1\n", event="{\n  nope\n}", event_name="bad"),
        **HTMX,
    )
    assert response.status_code == 422
    assert "Line 2" in response.content.decode()
    assert not SavedEvent.objects.exists()


def test_event_picker_offers_the_exercises_visible_tests(student_client, first_exercise):
    content = first_exercise.current_version.content()
    page = student_client.get(f"/exercises/{first_exercise.slug}/").content.decode()
    visible = [t for t in content.tests if t.visible]
    assert visible and f"Test: {visible[0].name}" in page
    data = json.loads(
        page.split('<script id="event-data" type="application/json">')[1].split("</script>")[0]
    )
    assert json.loads(data["test:0"]) == visible[0].event


def test_submit_queues_a_graded_attempt(student, student_client, first_exercise):
    code = first_exercise.current_version.content().solution_files["lambda_function.py"]
    response = student_client.post(
        f"/exercises/{first_exercise.slug}/submit/", _form(first_exercise, code), **HTMX
    )
    submission = Submission.objects.get(user=student)
    assert submission.attempt == 1 and submission.files["lambda_function.py"] == code
    page = response.content.decode()
    assert "queued" in page and f'hx-get="/submissions/{submission.pk}/"' in page
    # The exercise page's attempts link catches up without a reload (an out-of-band swap).
    assert '<a id="attempts-link"' in page and 'hx-swap-oob="true">Your attempts (1)</a>' in page
    exercise_page = student_client.get(f"/exercises/{first_exercise.slug}/").content.decode()
    assert 'id="attempts-link"' in exercise_page and "Your attempts (1)" in exercise_page
    assert "hx-swap-oob" not in exercise_page


def test_submit_without_javascript_goes_to_the_attempt_page(student_client, first_exercise):
    code = "def lambda_handler(event, context):\n    return 1\n"
    response = student_client.post(
        f"/exercises/{first_exercise.slug}/submit/", _form(first_exercise, code)
    )
    assert response.status_code == 302
    page = student_client.get(response["Location"]).content.decode()
    assert "Attempt 1" in page and "lambda_handler" in page and "attempts-link" not in page


def test_event_picker_offers_the_template_catalogue(student_client, first_exercise):
    from lambdalab.mockaws import event_templates

    template = event_templates()[0]
    page = student_client.get(
        f"/exercises/{first_exercise.slug}/?event=template:{template['id']}"
    ).content.decode()
    assert '<optgroup label="Templates">' in page
    assert f'value="template:{template["id"]}" selected>{template["name"]}<' in page


def test_a_busy_learner_is_told_and_the_test_is_retried_for_them(
    student, student_client, first_exercise, settings
):
    settings.JOBS_IN_FLIGHT_PER_LEARNER = 1
    Run.objects.create(user=student, exercise=first_exercise, files={"a.py": ""})
    response = student_client.post(
        f"/exercises/{first_exercise.slug}/test/",
        _form(first_exercise, "def lambda_handler(e, c):\n    return 1\n"),
        **HTMX,
    )
    page = response.content.decode()
    assert response.status_code == 429
    assert "Busy" in page and "Retrying in 3 s" in page
    assert f'hx-post="/exercises/{first_exercise.slug}/test/"' in page
    assert 'hx-trigger="load delay:3s"' in page
    assert Run.objects.filter(user=student).count() == 1


def _two_file_exercise(first_exercise):
    """first-handler with a helper module beside the handler, published as a new version."""
    from lambdalab.catalog.exercise_loader import parse_exercise
    from lambdalab.catalog.services import exercise_publish

    files = dict(first_exercise.current_version.files)
    files["starter/helpers.py"] = "def shout(text):\n    return text.upper()\n"
    files["solution/helpers.py"] = files["starter/helpers.py"]
    content = parse_exercise(first_exercise.slug, files, base="lessons/x/exercises/first-handler")
    return exercise_publish(exercise=content, lesson=first_exercise.lesson)


def test_multi_file_exercise_gets_a_tab_per_file_handler_first(student_client, first_exercise):
    exercise = _two_file_exercise(first_exercise)
    page = student_client.get(f"/exercises/{exercise.slug}/").content.decode()
    tabs = page.split('role="tablist"')[1].split("</div>")[0]
    assert tabs.index("lambda_function.py") < tabs.index("helpers.py")
    assert 'data-label="Handler code"' in page
    assert 'data-label="Code of helpers.py"' in page
    assert 'aria-selected="false" tabindex="-1">helpers.py</button>' in page


def test_every_file_is_kept_in_the_draft_and_strangers_refused(
    student, student_client, first_exercise
):
    exercise = _two_file_exercise(first_exercise)
    form = _form(exercise, "import helpers\n", **{"file:helpers.py": "X = 1\n"})
    student_client.post(f"/exercises/{exercise.slug}/draft/", form, **HTMX)
    draft = Draft.objects.get(user=student, exercise=exercise)
    assert draft.files == {"lambda_function.py": "import helpers\n", "helpers.py": "X = 1\n"}
    form["file:../../etc/passwd"] = "root"
    response = student_client.post(f"/exercises/{exercise.slug}/test/", form, **HTMX)
    assert response.status_code == 422
    assert "is not a file of this exercise" in response.content.decode()
    assert not Run.objects.exists()
