"""Triage for a storm in the browser: choose every mention on the page, mark them all as
needing no reply with one reason, in one act."""

import pytest
from playwright.sync_api import expect

from communications.models import InboundPost
from tests.communications.factories import InboundPostFactory
from tests.teams.factories import responder

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_storm_is_triaged_in_one_act(page, live_server, log_in, shoot):
    responder(username="ali")
    for n in range(6):
        InboundPostFactory(author_handle=f"copy{n}", text="Boycott! Same copied text.")
    log_in("ali")
    page.goto(f"{live_server.url}/communications/mentions/")
    bar = page.get_by_test_id("bulk-form")
    bar.get_by_label("All on this page").check()
    expect(bar).to_contain_text("6 chosen")
    bar.get_by_test_id("bulk-action").select_option("no_reply")
    bar.get_by_label("Why (needed for “no reply needed”)").fill("A copied boycott text")
    shoot("bulk-chosen")
    bar.get_by_test_id("bulk-apply").click()
    expect(page.get_by_role("alert")).to_contain_text("6 mentions: no reply needed.")
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    assert InboundPost.objects.filter(triage=InboundPost.Triage.NO_REPLY).count() == 6
