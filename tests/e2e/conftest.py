"""A real site for the browser: gunicorn and a Celery worker (with the sandbox) on the test
database, the real curriculum, and the system Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from lambdalab.catalog.content import load_catalog
from lambdalab.catalog.services import catalog_sync
from tests import stack
from tests.ci import skip_or_fail

# Playwright's sync API keeps an event loop running in this thread; the ORM calls the tests make
# are still plain synchronous ones, so Django's guard against async misuse does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def site(transactional_db, redis_url, tmp_path):
    """The base URL of a running LambdaLab with the bundled lessons loaded."""
    if not (ROOT / "static" / "dist" / "app.js").exists():
        skip_or_fail("static/dist/app.js is missing: run `npm ci && npm run build` (make does)")
    lessons = Path(os.environ.get("LAMBDALAB_LESSONS_DIR") or ROOT / "lessons")
    catalog_sync(catalog=load_catalog(lessons))
    env = stack.process_env(broker_url=redis_url, var_dir=tmp_path)
    port = stack.free_port()
    with (
        stack.running(stack.worker_command(), env, tmp_path / "worker.log"),
        stack.running(stack.web_command(port), env, tmp_path / "web.log"),
    ):
        base = f"http://127.0.0.1:{port}"
        browser = stack.Browser(base)
        stack.wait_for(
            lambda: _up(browser), timeout=30, what="the web server", log=tmp_path / "web.log"
        )
        yield base


def _up(browser: stack.Browser) -> bool:
    try:
        browser.get("/healthz")
    except OSError:
        return False
    except Exception:  # 503 while the broker warms up still means the server is up
        return True
    return True


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        skip_or_fail("Chromium is not installed: apt-get install -y chromium (make test does)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright Python package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, site):
    context = chromium.new_context(base_url=site, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    # CodeMirror measures an editor when it scrolls into view; a full-page capture never scrolls.
    for editor in page.locator(".cm-editor").all():
        editor.scroll_into_view_if_needed()
        page.wait_for_timeout(100)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations on the current page."""
    if not AXE.exists():
        skip_or_fail("axe-core is missing from node_modules: run `npm ci`")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def replace_code(page, code: str) -> None:
    """Select everything in the code editor and paste `code`, as a learner would.

    Waits for CodeMirror to replace the page's textarea first: a locator resolved in the moment
    before that would hold on to the textarea, which the editor then hides.
    """
    page.locator("#workspace .cm-editor").first.wait_for()
    page.get_by_role("textbox", name="Handler code").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(code)  # as a paste: no auto-indent on top of the code's own


def sign_up(page, username: str = "newlearner") -> None:
    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill("a-long-passphrase-2026")
    page.get_by_label("Password confirmation").fill("a-long-passphrase-2026")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/")


def clear_artifacts() -> None:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
