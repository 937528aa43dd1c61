"""Browser tests: Playwright drives the machine's Chromium against a live test server."""

import os
import re
import threading
import time
from pathlib import Path

import pytest

from config.permissions import needs_two_factor
from teams.models import User
from tests.teams.factories import authenticator, totp_code

# Playwright's sync API keeps an event loop in the test thread for the whole session; the tests
# and the database fixtures still talk to the database synchronously, which Django allows
# with this flag (set before any fixture runs, kept until the session ends).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results" / "e2e"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--headless",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1366, "height": 900}}


@pytest.fixture
def shoot(page, request):
    """shoot("step") saves a full-page screenshot under test-results/e2e/<test>/."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 100))

    def take(step: str) -> Path:
        path = folder / f"{next(counter):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def log_in(page, live_server):
    """Log in through the form; whoever needs the second step enters the code their
    authenticator app (made for them here) shows."""

    def go(username: str, password: str = "pass-word-123") -> None:
        person = User.objects.get(username=username)
        device = authenticator(person) if needs_two_factor(person) else None
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        if device is not None:
            page.wait_for_url(re.compile(r"/accounts/2fa/"))
            page.get_by_label("Code").fill(totp_code(device))
            page.get_by_role("button", name="Verify").click()
        page.wait_for_url(f"{live_server.url}/")

    return go


# How long a test's last requests may take to end before its database is emptied.
QUIET_WITHIN = 10.0


@pytest.fixture(autouse=True)
def server_quiet_at_the_end(page):
    """After a browser test its windows are closed and the live server's requests in flight
    (a live page's poll, a presence beat) are waited for, before the test's database is
    emptied: a request still reading while the tables are truncated can deadlock with it."""
    yield
    browser = page.context.browser
    for context in list(browser.contexts if browser else [page.context]):
        context.close()
    deadline = time.monotonic() + QUIET_WITHIN
    while time.monotonic() < deadline and any(
        "process_request_thread" in thread.name for thread in threading.enumerate()
    ):
        time.sleep(0.05)


@pytest.fixture(autouse=True)
def content_security_policy(page):
    """Every browser test runs under the Content-Security-Policy and fails on a violation
    (Chromium reports each on the console)."""
    violations: list[str] = []

    def seen(message) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"{page.url}: {message.text} at {message.location}")

    page.on("console", seen)
    yield violations
    assert violations == []


def signed_in(
    browser,
    live_server,
    person,
    width: int = 1366,
    height: int = 900,
    bypass_csp: bool = False,
):
    """A browser of that person's own (a second window, as a colleague's laptop or phone),
    signed in through the form, the second step included when they need it. The fields are
    found by their names, not their labels: the second step is in the person's own language.
    ``bypass_csp`` lets a test inject a script of its own (axe-core)."""
    device = authenticator(person) if needs_two_factor(person) else None
    context = browser.new_context(
        viewport={"width": width, "height": height}, bypass_csp=bypass_csp
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(person.username)
    page.locator("#id_password").fill("pass-word-123")
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    if device is not None:
        page.wait_for_url(re.compile(r"/accounts/2fa/"))
        page.locator("[data-testid=verify-form] input[name=code]").fill(totp_code(device))
        page.locator("[data-testid=verify-form] button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    return page
