"""A new manager logs in for the first time: sets up the authenticator app from the QR code's
key, confirms with its code, keeps the recovery codes; the next login asks for a code, and a
recovery code works in its place, once. Too many wrong passwords pause logging in."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests.teams.factories import manager

pytestmark = pytest.mark.django_db(transaction=True)


def phone_code(secret: str) -> str:
    """What an authenticator app shows for the key typed into it."""
    return str(TOTP(b32decode(secret.replace(" ", "")), step=30, digits=6).token()).zfill(6)


def password_step(page: Page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_manager_sets_up_two_factor_and_signs_in_with_it(page: Page, live_server, shoot):
    manager(username="maria", first_name="Maria", last_name="Kaya")

    password_step(page, live_server, "maria", "pass-word-123")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/setup/"))
    expect(page.get_by_test_id("qr-code").locator("svg")).to_be_visible()
    secret = page.get_by_test_id("secret").inner_text()
    shoot("setup")
    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()
    page.wait_for_timeout(1100)  # a wrong code makes the next try wait a second
    page.get_by_label("Code from the app").fill(phone_code(secret))
    page.get_by_role("button", name="Confirm").click()

    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    recovery = codes.first.inner_text()
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    shoot("recovery-codes")
    page.get_by_test_id("codes-saved").click()
    expect(page).to_have_url(f"{live_server.url}/")

    # The next login asks for a code; a recovery code does instead, once.
    page.context.clear_cookies()
    password_step(page, live_server, "maria", "pass-word-123")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/\?next="))
    page.get_by_label("Code").fill(recovery)
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("alert").first).to_contain_text("9 left")
    shoot("signed-in-with-recovery-code")

    page.context.clear_cookies()
    password_step(page, live_server, "maria", "pass-word-123")
    page.get_by_label("Code").fill(recovery)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()


def test_too_many_wrong_passwords_pause_logging_in(page: Page, live_server, shoot):
    manager(username="maria")
    for _ in range(5):
        password_step(page, live_server, "maria", "not-my-password")
    expect(page.get_by_role("heading", name="Logging in is paused")).to_be_visible()
    expect(page.get_by_test_id("locked-out")).to_contain_text("5 failed attempts")
    expect(page.get_by_text("Try again in 15 minutes")).to_be_visible()
    shoot("locked-out")
