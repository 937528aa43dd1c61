"""The communications log: what went out (or was meant to), who approved it, filters, CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from communications.messaging.services import approvals
from communications.messaging.services import messages as message_services
from communications.models import Message
from teams import flows
from tests.communications.drafting import approved, declare, draft, submitted
from tests.communications.factories import SandboxAccountFactory, SocialAccountFactory

pytestmark = pytest.mark.django_db

S = Message.Status
LOG = "/communications/log/"
CSV = "/communications/log.csv"


@pytest.fixture
def account():
    return SandboxAccountFactory(handle="brand")


def html(response) -> str:
    return response.content.decode()


def rows(client, url: str) -> list[Message]:
    response = client.get(url)
    assert response.status_code == 200
    return list(response.context["page"].object_list)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def record(responder, manager, account, django_capture_on_commit_callbacks):
    """One message in each status: only approved and later ones are logged."""
    incident = declare(responder, title="Battery fire")
    other = declare(responder, title="Delivery delays")
    live = SocialAccountFactory(handle="brand_live")
    made = {
        "draft": draft(responder, account, incident, body="Just a draft"),
        "pending": submitted(responder, account, incident, body="Waiting"),
        "approved": approved(
            responder,
            manager,
            account,
            incident=incident,
            body="Approved, scheduled",
            scheduled_at=timezone.now() + timedelta(hours=2),
        ),
    }
    published = submitted(responder, account, incident, body="Çok üzgünüz, inceliyoruz.")
    with django_capture_on_commit_callbacks(execute=True):
        approvals.message_approve(actor=manager, message=published, comment="Uygun, gönderin")
    made["published"] = published
    failed = approved(responder, manager, live, incident=other, kind="reply", reply_to_post="42")
    Message.objects.filter(pk=failed.pk).update(status=S.FAILED, last_error="X said no")
    made["failed"] = failed
    withdrawn = submitted(responder, account, other, body="Taken back")
    message_services.message_withdraw(actor=responder, message=withdrawn)
    made["withdrawn"] = withdrawn
    rejected = submitted(responder, account, other, body="Refused one")
    approvals.message_reject(actor=manager, message=rejected, comment="No")
    made["rejected"] = rejected
    for message in made.values():
        message.refresh_from_db()
    return made


@pytest.mark.parametrize("role", ["reader", "responder", "manager", "admin_user"])
def test_everyone_reads_the_log_of_what_was_approved_or_went_out(client, request, record, role):
    client.force_login(request.getfixturevalue(role))
    logged = rows(client, LOG)
    assert {m.pk for m in logged} == {
        record[name].pk for name in ("approved", "published", "failed", "withdrawn")
    }


def test_the_log_shows_approvals_and_the_sandbox_label(client, reader, manager, record):
    client.force_login(reader)
    page = html(client.get(LOG))
    assert str(manager) in page
    assert "Uygun, gönderin" in page
    assert 'data-testid="log-sandbox"' in page
    assert "X said no" in page
    assert "Just a draft" not in page
    assert "Refused one" not in page


def test_a_published_post_links_to_x(client, reader, record):
    Message.objects.filter(pk=record["published"].pk).update(
        external_url="https://x.com/brand/status/123", sandbox=False
    )
    client.force_login(reader)
    assert 'href="https://x.com/brand/status/123"' in html(client.get(LOG))


def test_filters(client, reader, record):
    client.force_login(reader)
    battery = record["published"].incident.reference
    assert {m.pk for m in rows(client, f"{LOG}?incident={battery.lower()}")} == {
        record["approved"].pk,
        record["published"].pk,
    }
    live = record["failed"].account
    assert rows(client, f"{LOG}?account={live.pk}") == [record["failed"]]
    assert rows(client, f"{LOG}?kind=reply") == [record["failed"]]
    assert rows(client, f"{LOG}?status=withdrawn") == [record["withdrawn"]]
    today = timezone.localdate().isoformat()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert len(rows(client, f"{LOG}?after={today}&before={today}")) == 4
    assert rows(client, f"{LOG}?after={tomorrow}") == []
    assert "No message matches these filters." in html(client.get(f"{LOG}?after={tomorrow}"))


def test_the_page_and_the_api_date_the_log_alike(client, api_as, reader, record):
    """A message drafted days ago and published today is in today's log, on the page, in the
    CSV and in the API (which used to filter the log by when it was drafted)."""
    published = record["published"]
    Message.objects.filter(pk=published.pk).update(
        created_at=timezone.now() - timedelta(days=3),
        submitted_at=timezone.now() - timedelta(days=3),
    )
    client.force_login(reader)
    today = timezone.localdate().isoformat()
    three_days_ago = (timezone.localdate() - timedelta(days=3)).isoformat()
    on_the_page = {m.pk for m in rows(client, f"{LOG}?after={today}&before={today}")}
    in_the_csv = {int(r[0]) for r in csv_rows(client.get(f"{CSV}?after={today}"))[1:]}
    in_the_api = {
        m["id"]
        for m in api_as(reader).get(f"/api/v1/log/?after={today}&before={today}").json()["results"]
    }
    assert published.pk in on_the_page
    assert on_the_page == in_the_csv == in_the_api
    earlier = api_as(reader).get(f"/api/v1/log/?before={three_days_ago}").json()["results"]
    assert earlier == []
    assert rows(client, f"{LOG}?before={three_days_ago}") == []


@pytest.mark.parametrize(
    "query", ["status=draft", "account=abc", "after=yesterday", "kind=x", "page=zzz"]
)
def test_bad_filters_are_explained_not_a_500(client, reader, record, query):
    client.force_login(reader)
    response = client.get(f"{LOG}?{query}")
    assert response.status_code == 200
    assert client.get(f"{CSV}?{query}").status_code == 200


def test_the_log_pages(client, reader, responder, manager, account):
    incident = declare(responder)
    for n in range(30):
        approved(responder, manager, account, incident=incident, body=f"Statement {n}")
    client.force_login(reader)
    first = client.get(LOG)
    assert len(first.context["page"].object_list) == 25
    assert len(rows(client, f"{LOG}?page=2")) == 5


def test_an_empty_log_says_so(client, reader):
    client.force_login(reader)
    assert "No message has been approved yet." in html(client.get(LOG))


def test_the_csv_has_a_header_and_one_line_per_logged_message(client, reader, manager, record):
    client.force_login(reader)
    header, *lines = csv_rows(client.get(CSV))
    assert header[:3] == ["Message", "When", "Incident"]
    assert "Approvals" in header
    assert "Post link" in header
    assert len(lines) == 4
    by_id = {int(line[0]): dict(zip(header, line, strict=True)) for line in lines}
    published = by_id[record["published"].pk]
    assert published["Text"] == "Çok üzgünüz, inceliyoruz."
    assert published["Sandbox"] == "yes"
    assert published["Status"] == "Published"
    assert str(manager) in published["Approvals"]
    assert "Uygun, gönderin" in published["Approvals"]
    assert by_id[record["failed"].pk]["Last error"] == "X said no"
    assert by_id[record["failed"].pk]["Sandbox"] == "no"


def test_the_csv_says_which_messages_are_a_drills(client, reader, responder, manager, record):
    drill = flows.incident_declare(actor=manager, title="Drill", severity=3, is_drill=True)
    played = approved(
        responder,
        manager,
        SandboxAccountFactory(handle="brand.drill1", is_drill=True),
        incident=drill,
        body="Played",
    )
    client.force_login(reader)
    header, *lines = csv_rows(client.get(CSV))
    drill_column = {int(line[0]): line[header.index("Drill")] for line in lines}
    assert drill_column.pop(played.pk) == "yes"
    assert set(drill_column.values()) == {"no"}


def test_the_csv_follows_the_filters_and_both_addresses_agree(client, reader, record):
    client.force_login(reader)
    reference = record["failed"].incident.reference
    via_file = csv_rows(client.get(f"{CSV}?incident={reference}"))
    via_format = csv_rows(client.get(f"{LOG}?incident={reference}&format=csv"))
    assert [line[0] for line in via_file[1:]] == [line[0] for line in via_format[1:]]
    assert {int(line[0]) for line in via_file[1:]} == {
        record["failed"].pk,
        record["withdrawn"].pk,
    }


def test_the_csv_joins_approvals_and_keeps_a_thread_in_one_line(
    client, reader, responder, manager, manager2, account
):
    incident = declare(responder, severity=1)
    message = submitted(
        responder, account, incident, kind="thread", body="1/ First", parts=["2/ Second"]
    )
    approvals.message_approve(actor=manager, message=message, comment="ok")
    approvals.message_approve(actor=manager2, message=message, comment="ok too")
    client.force_login(reader)
    header, line = csv_rows(client.get(CSV))
    row = dict(zip(header, line, strict=True))
    assert row["Text"] == "1/ First\n\n2/ Second"
    assert row["Approvals"].count(";") == 1
    assert str(manager) in row["Approvals"]
    assert str(manager2) in row["Approvals"]


def test_the_csv_does_not_let_a_spreadsheet_run_a_formula(client, reader, responder, manager):
    account = SandboxAccountFactory()
    approved(responder, manager, account, body='=HYPERLINK("http://evil")')
    client.force_login(reader)
    _header, line = csv_rows(client.get(CSV))
    assert '\'=HYPERLINK("http://evil")' in line
