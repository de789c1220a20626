"""In a real browser, against a real web server, worker and sandbox: an instructor writes an
exercise from scratch, validates and publishes it, assigns it; a student submits; the instructor
finds the submission in the gradebook."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from lambdalab.accounts.models import Role, User
from lambdalab.catalog.content import load_catalog
from lambdalab.catalog.services import catalog_sync
from tests import stack
from tests.ci import skip_or_fail
from tests.e2e.conftest import replace_code

# Playwright's sync API runs an event loop in this thread; the ORM calls here are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.root]
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PASSWORD = "a-long-passphrase-2026"

TESTS = """\
- name: shouts the word
  visible: true
  points: 2
  event: {word: hej}
  checks:
    - returns: {shout: "HEJ!"}
- name: shouts an empty word as silence
  points: 1
  event: {word: ""}
  checks:
    - returns: {shout: "!"}
"""
SOLUTION = (
    "def lambda_handler(event, context):\n    return {'shout': event['word'].upper() + '!'}\n"
)
FORGETS_BANG = "def lambda_handler(event, context):\n    return {'shout': event['word'].upper()}\n"


@pytest.fixture
def quick_passwords():
    """The web server checks passwords with the real hashers, so they are hashed with those."""


@pytest.fixture
def site(transactional_db, redis_url, tmp_path):
    if not (ROOT / "static" / "dist" / "instructor.js").exists():
        skip_or_fail("static/dist is not built: run `npm ci && npm run build` (make does)")
    catalog_sync(catalog=load_catalog(ROOT / "lessons"))
    env = stack.process_env(broker_url=redis_url, var_dir=tmp_path)
    port = stack.free_port()
    with (
        stack.running(stack.worker_command(), env, tmp_path / "worker.log"),
        stack.running(stack.web_command(port), env, tmp_path / "web.log"),
    ):
        base = f"http://127.0.0.1:{port}"
        stack.wait_for(
            lambda: _up(base), timeout=30, what="the web server", log=tmp_path / "web.log"
        )
        yield base


def _up(base: str) -> bool:
    import urllib.request

    try:
        urllib.request.urlopen(f"{base}/accounts/login/", timeout=2)
    except OSError:
        return False
    return True


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        skip_or_fail("Chromium is not installed: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _login(browser, site, username: str):
    context = browser.new_context(base_url=site, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"^(?!.*login).*$"))
    return page


def _axe_problems(page) -> list[str]:
    """Serious and critical axe-core violations on the current page."""
    axe = ROOT / "node_modules" / "axe-core" / "axe.min.js"
    if not axe.exists():
        skip_or_fail("axe-core is missing from node_modules: run `npm ci`")
    page.add_script_tag(path=str(axe))
    found = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    # base.html's flash messages (<ul role="status"><li>) are the foundation's; reported there.
    known = {("listitem", ".message")}
    return [
        f"{v['id']}: {targets}"
        for v in found["violations"]
        if v["impact"] in ("serious", "critical")
        for targets in [[t for n in v["nodes"] for t in n["target"]]]
        if not all((v["id"], t) in known for t in targets)
    ]


def test_instructor_authors_publishes_and_grades_a_new_exercise(site, browser):
    from playwright.sync_api import expect

    User.objects.create_user(username="prof", password=PASSWORD, role=Role.INSTRUCTOR)
    User.objects.create_user(username="ada", password=PASSWORD, role=Role.STUDENT)
    prof = _login(browser, site, "prof")

    # Write the exercise from scratch in lesson 1.
    prof.get_by_role("link", name="Authoring").first.click()
    prof.get_by_role("link", name="New exercise").first.click()
    prof.get_by_label("Slug").fill("shout-it")
    prof.get_by_label("Title").fill("Shout it")
    prof.get_by_label("Prompt").fill("Return the word from the event in capitals, with a `!`.")
    prof.get_by_label("Timeout (s)").fill("10")  # generous: the test machine may be busy
    prof.get_by_label("Tests").fill(TESTS)
    prof.get_by_label("Reference solution").fill(SOLUTION)
    prof.locator("#id_wrong-0-name").fill("forgets-the-bang")
    prof.locator("#id_wrong-0-why").fill("Leaves out the exclamation mark.")
    prof.locator("#id_wrong-0-code").fill(FORGETS_BANG)
    prof.get_by_role("button", name="Save and validate").click()

    verdict = prof.locator("#validation-verdict")
    expect(verdict).to_be_visible(timeout=90_000)
    table = prof.locator("#validation-table").inner_text()
    assert "Validation passed" in verdict.inner_text(), table
    expect(prof.locator("#validation-table")).to_contain_text("wrong/forgets-the-bang")
    assert _axe_problems(prof) == []
    prof.get_by_role("button", name="Publish").click()
    expect(prof.locator(".messages")).to_contain_text("Published Shout it as version 1")

    # A course that assigns it.
    prof.goto("/courses/new/")
    prof.get_by_label("Title").fill("Serverless 101")
    prof.get_by_role("button", name="Create course").click()
    code = prof.locator("#join-code").inner_text()
    prof.get_by_label("Exercise").select_option(label="Shout it")
    prof.get_by_label("Points").fill("30")
    prof.get_by_role("button", name="Assign").click()
    expect(prof.locator(".messages")).to_contain_text("Assigned Shout it")
    assert _axe_problems(prof) == []

    # The student joins, opens the exercise from the course and submits a correct answer.
    ada = _login(browser, site, "ada")
    ada.goto("/courses/")
    ada.get_by_label("Join code").fill(code)
    ada.get_by_role("button", name="Join course").click()
    ada.get_by_role("link", name="Shout it").click()
    replace_code(ada, SOLUTION)
    expect(ada.locator("#save-status")).to_contain_text("Draft saved", timeout=10_000)
    ada.get_by_role("button", name="Submit", exact=True).click()
    expect(ada.locator("#submit-result")).to_contain_text("100%", timeout=120_000)

    # The instructor sees it in the gradebook, and the submission with code and every test.
    prof.get_by_role("link", name="Gradebook").click()
    row = prof.get_by_role("row", name=re.compile("ada"))
    expect(row).to_contain_text("30")
    assert _axe_problems(prof) == []
    row.get_by_role("link", name="30").click()
    expect(prof.locator("main")).to_contain_text("shouts an empty word as silence")
    expect(prof.locator("main")).to_contain_text("upper()")
    assert _axe_problems(prof) == []
