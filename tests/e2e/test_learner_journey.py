"""A new learner's first day, in a real browser against a real server, worker and sandbox."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from lambdalab.catalog.models import Exercise, Lesson, Quiz
from tests.e2e.conftest import axe_violations, replace_code, screenshot, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.root]


def _solution(slug: str) -> str:
    content = Exercise.objects.get(slug=slug).current_version.content()
    return content.solution_files["lambda_function.py"]


def test_sign_up_learn_test_submit_and_see_progress(page):
    sign_up(page)
    lesson = Lesson.objects.order_by("position").first()
    quiz = Quiz.objects.filter(lesson=lesson, kind="single").order_by("position").first()

    page.get_by_role("link", name=lesson.title).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson.title)
    screenshot(page, "lesson")
    section = page.locator(f"#quiz-{quiz.quiz_id}")
    section.locator("input[name=option]").nth(quiz.correct_indexes[0]).check()
    section.get_by_role("button", name="Check answer").click()
    expect(page.locator(f"#quiz-{quiz.quiz_id} .quiz-feedback")).to_contain_text("Correct")
    expect(page.locator(f"#quiz-{quiz.quiz_id} .explanation").first).to_be_visible()

    page.get_by_role("link", name="Open the exercise").first.click()
    expect(page.get_by_role("button", name="Test", exact=True)).to_be_visible()
    replace_code(page, _solution("first-handler"))
    expect(page.locator("#save-status")).to_contain_text("Draft saved", timeout=10_000)

    page.get_by_role("button", name="Test", exact=True).click()
    result = page.locator("#test-result")
    expect(result).to_contain_text("REPORT RequestId:", timeout=60_000)
    expect(result).to_contain_text("Succeeded")
    expect(result.locator(".badge-cold, .badge-warm")).to_have_count(1)
    expect(result).to_contain_text("Cost per million")
    screenshot(page, "exercise-tested")

    page.get_by_role("button", name="Submit", exact=True).click()
    graded = page.locator("#submit-result")
    expect(graded).to_contain_text("100%", timeout=120_000)
    expect(graded).to_contain_text("All tests passed")
    screenshot(page, "exercise-graded")
    assert axe_violations(page) == []  # with an execution result and a graded result on it

    graded.get_by_role("link", name="Attempt 1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Attempt 1")
    expect(page.locator(".test-result").first).to_contain_text("Passed")
    screenshot(page, "submission")
    assert axe_violations(page) == []
    page.get_by_role("link", name="All attempts and diffs").click()
    screenshot(page, "attempts")
    assert axe_violations(page) == []
    page.goto("/exercises/first-handler/")

    page.reload()  # the draft comes back
    expect(page.locator("#save-status")).to_contain_text("Draft restored")
    expect(page.get_by_role("textbox", name="Handler code")).to_contain_text("GREETING")

    page.get_by_role("link", name="Dashboard").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your dashboard")
    expect(page.locator(".exercise-scores").first).to_contain_text(re.compile(r"100%\s*Passed"))
    assert page.get_by_test_id("overall").inner_text() != "0%"
    screenshot(page, "dashboard")
    assert axe_violations(page) == []


def test_keyboard_only_learner_writes_tests_and_leaves_the_editor(page):
    sign_up(page, "keyboarder")
    page.goto("/exercises/first-handler/")
    page.locator("#main").focus()
    editor = page.get_by_role("textbox", name="Handler code")
    for _ in range(80):  # Tab from the top of the page to the editor
        page.keyboard.press("Tab")
        if editor.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the editor labelled “Handler code”")
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(_solution("first-handler"))
    page.keyboard.press("Tab")  # Tab indents inside the editor ...
    assert editor.evaluate("el => el === document.activeElement")
    page.keyboard.press("Escape")  # ... Escape, then Tab, leaves it
    page.keyboard.press("Tab")
    assert not editor.evaluate("el => el === document.activeElement")

    for _ in range(80):
        name = page.evaluate("() => document.activeElement.textContent.trim()")
        if name == "Test":
            break
        if page.evaluate("() => document.activeElement.classList.contains('cm-content')"):
            page.keyboard.press("Escape")  # the event editor: leave it the same way
        page.keyboard.press("Tab")
    else:
        pytest.fail("Tab never reached the Test button")
    page.keyboard.press("Enter")
    expect(page.locator("#test-result")).to_contain_text("REPORT RequestId:", timeout=60_000)


def test_invalid_event_shows_its_line_before_anything_runs(page):
    sign_up(page, "eventer")
    page.goto("/exercises/first-handler/")
    event = page.get_by_role("textbox", name="Event JSON")
    event.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text('{\n  "name": "Ada",\n  oops\n}')
    page.get_by_role("button", name="Test", exact=True).click()
    expect(page.locator("#event-error")).to_contain_text("Line 3")


MAIN_PAGES = {
    "home": "/",
    "lesson-1": "/lessons/what-is-serverless/",
    "lesson-3-calculator": "/lessons/serverless-vs-ec2/",
    "exercise": "/exercises/first-handler/",
    "exercise-mock-aws-fixtures": "/exercises/stop-dev-instances/",
    "dashboard-empty": "/dashboard/",
    "labs": "/labs/cost/",
}


def test_main_pages_have_no_serious_accessibility_violations(page):
    sign_up(page, "axe")
    found = {}
    for name, path in MAIN_PAGES.items():
        page.goto(path)
        page.wait_for_load_state("networkidle")
        screenshot(page, f"axe-{name}")
        found[path] = axe_violations(page)
    assert found == {path: [] for path in MAIN_PAGES.values()}


def test_pages_fit_a_narrow_screen(page):
    """On a phone nothing scrolls sideways: not the editor, the dashboard, nor a quiz whose
    options hold long inline code (`context.get_remaining_time_in_millis()`)."""
    sign_up(page, "phone")
    page.set_viewport_size({"width": 375, "height": 800})
    overflow = {}
    for path in ("/exercises/first-handler/", "/dashboard/", "/lessons/what-is-serverless/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        screenshot(page, "narrow" + path.replace("/", "-").rstrip("-"))
        js = "() => document.documentElement.scrollWidth - window.innerWidth"
        overflow[path] = page.evaluate(js) <= 1
    assert overflow == {path: True for path in overflow}
    page.goto("/exercises/first-handler/")
    expect(page.get_by_role("button", name="Submit", exact=True)).to_be_visible()


def test_mock_aws_before_and_after_show_what_the_function_did(page):
    sign_up(page, "cloudy")
    page.goto("/exercises/stop-dev-instances/")
    replace_code(page, _solution("stop-dev-instances"))
    page.get_by_label("Start from").select_option(label="saturday-1100.json")
    expect(page.get_by_role("textbox", name="Event JSON")).to_contain_text("Scheduled Event")
    page.get_by_role("button", name="Test", exact=True).click()
    result = page.locator("#test-result")
    expect(result).to_contain_text("REPORT RequestId:", timeout=90_000)
    expect(result).to_contain_text("Mock AWS account: before and after")
    changed = result.locator("tr.aws-changed")
    expect(changed.first).to_contain_text("stopped")
    screenshot(page, "exercise-mock-aws")


def test_cost_calculator_and_concurrency_lab_update_live(page):
    sign_up(page, "labber")
    page.goto("/labs/cost/")
    expect(page.locator("canvas.cost-chart")).to_be_visible()
    assert page.evaluate("() => !!document.querySelector('canvas.cost-chart').chart")
    page.get_by_label("Requests per month", exact=True).fill("3000000")
    expect(page.get_by_test_id("lambda-monthly")).to_have_text("$3.10")
    # The result is redrawn beside the form, so the learner keeps typing where they were.
    assert page.evaluate("() => document.activeElement.id") == "cost-requests"
    page.get_by_label("Reserved concurrency", exact=True).fill("3")
    page.get_by_label("Simultaneous invocations per wave", exact=True).fill("8")
    page.get_by_label("Waves", exact=True).fill("1")
    expect(page.get_by_test_id("throttles")).to_have_text("5")
    expect(page.get_by_test_id("environments")).to_have_text("3")
    page.locator("#cost-lab").screenshot(path=str(screenshot(page, "labs").parent / "cost.png"))
    page.locator("#concurrency-lab").screenshot(
        path=str(screenshot(page, "labs").parent / "concurrency.png")
    )


def test_typing_while_offline_is_not_lost(page):
    sign_up(page, "offline")
    page.goto("/exercises/first-handler/")
    page.context.set_offline(True)
    replace_code(page, "# written on a train\ndef lambda_handler(event, context):\n    return 1\n")
    page.wait_for_timeout(1500)  # the autosave tries, and cannot reach the server
    page.context.set_offline(False)
    page.reload()
    restore = page.get_by_role("button", name="Restore the unsaved changes from this browser")
    restore.click()
    expect(page.get_by_role("textbox", name="Handler code")).to_contain_text("written on a train")
    expect(page.locator("#save-status")).to_contain_text("Draft saved", timeout=10_000)


def test_file_tabs_switch_with_the_arrow_keys(page):
    from tests.views.test_workspace import _two_file_exercise

    _two_file_exercise(Exercise.objects.get(slug="first-handler"))
    sign_up(page, "tabber")
    page.goto("/exercises/first-handler/")
    first = page.get_by_role("tab", name="lambda_function.py")
    first.focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="helpers.py")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("textbox", name="Code of helpers.py")).to_be_visible()
    expect(page.get_by_role("textbox", name="Handler code")).to_be_hidden()


def test_autosave_right_after_test_saves_and_queues_nothing(page):
    from lambdalab.submissions.models import Run

    sign_up(page, "quickclicker")
    page.goto("/exercises/first-handler/")
    replace_code(page, _solution("first-handler"))
    page.get_by_label("Start from").select_option(index=1)  # schedules an autosave ...
    page.get_by_role("button", name="Test", exact=True).click()  # ... that fires after this
    expect(page.locator("#test-result")).to_contain_text("REPORT RequestId:", timeout=60_000)
    expect(page.locator("#save-status")).to_contain_text("Draft saved")
    assert Run.objects.filter(user__username="quickclicker").count() == 1
