"""Every page fits the screen it is read on: no page is wider than the window at 1366, 1280 and
390 px (a table too wide scrolls inside its own box), the header's last control stays on screen,
a skip link leads past the header, focus shows on the dark header, and on a phone the buttons
are big enough to tap."""

import pytest

from incidents.models import Status
from teams import flows
from tests.communications.factories import (
    InboundPostFactory,
    SandboxAccountFactory,
    TemplateFactory,
)
from tests.teams.factories import admin

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = [(1366, 768), (1280, 800), (390, 844)]
# How much wider than the window a page may be: none.
WIDER_BY = "document.documentElement.scrollWidth - window.innerWidth"
# What sticks out, to say in the failure: the innermost elements past the window's right edge.
STICKING_OUT = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && e.children.length === 0)
  .slice(0, 3)
  .map(e => e.tagName.toLowerCase()
       + (e.className ? '.' + String(e.className).split(' ').join('.') : '')
       + ' ' + (e.textContent || '').trim().slice(0, 30))"""


def pages(incident) -> list[str]:
    return [
        "/",
        "/incidents/",
        incident.get_absolute_url(),
        "/incidents/declare/",
        f"/communications/messages/new/?incident={incident.reference}",
        "/communications/approvals/",
        "/communications/log/",
        "/communications/templates/",
        "/communications/accounts/",
        "/communications/pauses/",
        "/communications/mentions/",
        "/communications/alerts/",
        "/communications/playbooks/",
        "/team/",
        "/team/roster/",
        "/team/on-call/",
        "/team/risks/",
        "/team/stakeholders/",
        "/team/me/",
        "/drills/",
        "/notifications/",
        "/team/deadlines/mine/",
        "/team/deadlines/overdue/",
        "/team/policies/",
        "/postmortems/",
        "/postmortems/action-items/",
        f"/communications/incidents/{incident.reference}/statement-page/",
        "/communications/wording-rules/",
    ]


@pytest.fixture
def desk(live_server, log_in):
    chief = admin(username="chief", first_name="Maximilian-Alexander", last_name="Papadopoulos")
    incident = flows.incident_declare(
        actor=chief, title="Battery recall: cells swell in the 24-117 batch", severity=1
    )
    incident.status = Status.RESPONDING
    incident.save(update_fields=["status"])
    account = SandboxAccountFactory(handle="brand")
    TemplateFactory(created_by=chief)
    for n in range(3):
        InboundPostFactory(
            account=account,
            author_handle=f"a_rather_long_handle_{n}",
            text="Is the battery of my phone going to swell like the ones in the news? " * 3,
        )
    log_in("chief")
    return incident


@pytest.mark.parametrize("language", ["en", "tr"])
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_no_page_is_wider_than_the_window(page, live_server, desk, width, height, language):
    page.set_viewport_size({"width": width, "height": height})
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    wider = {}
    # The public statement page too, and its way to subscribe, in the language of its address.
    for path in [*pages(desk), f"/status/{language}/", f"/status/{language}/subscribe/"]:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None, path
        assert response.status == 200, path
        assert page.locator("html").get_attribute("lang") == language, path
        if (extra := page.evaluate(WIDER_BY)) > 0:
            wider[path] = (extra, page.evaluate(STICKING_OUT))
    assert wider == {}, f"wider than {width} px in {language} by: {wider}"


@pytest.mark.parametrize(("width", "height"), SIZES[:2])
def test_the_headers_last_control_is_on_screen(page, live_server, desk, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/")
    box = page.locator("#user-menu").bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= width


def test_a_skip_link_leads_past_the_header_and_focus_shows_on_it(page, live_server, desk):
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.get_attribute("href") == "#main"
    assert skip.is_visible()
    page.keyboard.press("Tab")
    outline = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.outlineColor]; })()"
    )
    assert outline[0] != "none", outline
    assert outline[1] != "0px", outline


def test_the_stop_switch_says_what_it_does_at_1366(page, live_server, desk, shoot):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/")
    shoot("dashboard-1366")
    page.goto(f"{live_server.url}{desk.get_absolute_url()}")
    shoot("war-room-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/communications/mentions/")
    shoot("mentions-390")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/")
    switch = page.get_by_test_id("pause-switch")
    assert "Pause publishing" in switch.inner_text()


def test_buttons_are_big_enough_to_tap_on_a_phone(page, live_server, desk):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{desk.get_absolute_url()}")
    small = page.evaluate(
        "[...document.querySelectorAll('main .btn')]"
        ".filter(b => b.offsetParent !== null && b.getBoundingClientRect().height < 44)"
        ".map(b => b.textContent.trim().slice(0, 40))"
    )
    assert small == []


def test_on_a_phone_the_mentions_come_first_and_the_filters_fold_away(page, live_server, desk):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/communications/mentions/")
    first = page.get_by_test_id("mention").first.bounding_box()
    assert first is not None
    assert first["y"] < 844  # on the first screen, not below 900 px of filters
    search = page.get_by_label("Search")
    assert not search.is_visible()
    page.get_by_test_id("filters-toggle").click()
    search.wait_for(state="visible")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/communications/mentions/")
    assert page.get_by_label("Search").is_visible()  # a desktop shows them beside the queue
