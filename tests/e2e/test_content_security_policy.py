"""The pages hold to the Content-Security-Policy: no inline script or style anywhere, in our
pages, the admin and the API's docs (the autouse fixture fails a test on any violation)."""

import pytest

from incidents.models import Status
from teams import flows
from tests.communications.factories import SandboxAccountFactory, TemplateFactory
from tests.teams.factories import admin


@pytest.mark.django_db(transaction=True)
def test_every_kind_of_page_runs_under_the_policy(page, live_server, log_in, shoot):
    chief = admin(username="chief")
    incident = flows.incident_declare(actor=chief, title="Battery recall", severity=1)
    incident.status = Status.RESPONDING
    SandboxAccountFactory(handle="brand")
    TemplateFactory(created_by=chief)
    log_in("chief")
    for path in [
        "/",
        "/incidents/",
        incident.get_absolute_url(),
        "/incidents/declare/",
        f"/communications/messages/new/?incident={incident.reference}",
        "/communications/approvals/",
        "/communications/log/",
        "/communications/templates/",
        "/communications/accounts/",
        "/communications/mentions/",
        "/team/",
        "/team/roster/",
        "/team/on-call/",
        "/drills/",
        "/team/stakeholders/",
        "/team/me/",
        "/notifications/",
        "/admin/",
        "/admin/incidents/incident/",
        "/api/docs/",
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert response.status == 200, path
        header = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in header, path
        assert "unsafe-inline" not in header
        page.wait_for_load_state("networkidle")
    shoot("api-docs")
