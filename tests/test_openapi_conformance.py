"""The API does what its OpenAPI document says.

schemathesis loads the document from the app itself (config.wsgi, in this process, on the
test's database) and sends every operation the requests it generates from it: the document's
examples, the edges of every parameter (the coverage phase) and random ones, valid and not,
once with an admin's token and once with a responder's. Every check runs, as ``schemathesis
run --checks all`` would: no server error; status codes, content types, headers and bodies
as documented; valid input accepted and invalid input refused; the API refusing a request
without its token.

The database is a seeded crisis (tests/world.py). Ids a client would take from earlier answers
(an incident, a mention, a person) are drawn from it, so valid requests reach the services
instead of stopping at "no such object". Times are drawn from the last day: back-dating into
the incident's past is what the API takes ("not in the future" is a rule of the services the
document can only say in words).
"""

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.pytest.lazy import LazySchema

from config.wsgi import application
from teams.models import Role
from tests.world import World, world_build

pytestmark = pytest.mark.django_db

# The suite's run: 15 examples per operation, the same ones every time. A deeper run, e.g.
# API_CHECK_EXAMPLES=100 API_CHECK_RANDOM=1 (the closing measurements of the API's issues),
# takes the same checks further.
MAX_EXAMPLES = int(os.environ.get("API_CHECK_EXAMPLES", "15"))
DERANDOMIZE = not os.environ.get("API_CHECK_RANDOM")
NOW = datetime.now(UTC)

schemathesis.openapi.format(
    "date-time",
    st.datetimes(
        min_value=(NOW - timedelta(days=1)).replace(tzinfo=None),
        max_value=(NOW - timedelta(minutes=5)).replace(tzinfo=None),
        timezones=st.just(UTC),
    ).map(lambda moment: moment.isoformat().replace("+00:00", "Z")),
)

# Operations whose acceptance of valid input also depends on rules an OpenAPI 3.0 document
# cannot state (across fields, or on the record's state): for these a 400 naming the field is
# also an answer to input the document calls valid. Every other check still applies to them.
RULES_IN_WORDS = {
    # The kind decides which fields count (a reply needs its target, a post an account, a
    # stakeholder update its group and channel) and X counts the text its own way (280).
    ("POST", "/api/v1/messages/"),
    ("PATCH", "/api/v1/messages/{id}/"),
    # A verdict needs evidence unless the claim already has some.
    ("PATCH", "/api/v1/incidents/{incident_pk}/claims/{id}/"),
    # "no reply" needs its reason, "replied" the reply's link.
    ("POST", "/api/v1/mentions/{id}/triage/"),
    # Declining needs a reason; closing a SEV1/SEV2 a waiver until its postmortem is out.
    ("POST", "/api/v1/incidents/{id}/transition/"),
    # A chain's steps come in time order and end at or after the due time; reach thresholds
    # are follower counts written as text.
    ("PATCH", "/api/v1/policies/{severity}/"),
    # An action item is due on a day this century, and its follow-up link is an http(s) one
    # (a URI may have any scheme).
    ("POST", "/api/v1/action-items/"),
    ("PATCH", "/api/v1/action-items/{id}/"),
    # A volume range starts before it ends and holds at most 10,000 buckets.
    ("GET", "/api/v1/volume/"),
    # A playbook's name is its own (no other playbook has it), and the templates it offers
    # are approved ones.
    ("POST", "/api/v1/playbooks/"),
    ("PATCH", "/api/v1/playbooks/{id}/"),
    # A risk's next review is in the future.
    ("POST", "/api/v1/risks/"),
    ("PATCH", "/api/v1/risks/{id}/"),
    ("POST", "/api/v1/risks/{id}/review/"),
    # What a resume releases is among the messages waiting on that pause.
    ("POST", "/api/v1/publishing-pauses/{id}/resume/"),
    # A wording rule flags each of its examples_flagged and none of its examples_passed, its
    # words are domains when it looks at links, and a change says why; retiring a retired rule
    # (or restoring one in force) is refused.
    ("POST", "/api/v1/wording-rules/"),
    ("PATCH", "/api/v1/wording-rules/{id}/"),
    ("POST", "/api/v1/wording-rules/{id}/retire/"),
    # A closed or declined incident is not put on the statement page again; one taken off is
    # not taken off twice.
    ("POST", "/api/v1/statement-pages/"),
    ("POST", "/api/v1/statement-pages/{id}/switch-off/"),
}


@pytest.fixture
def app_on_the_test_database():
    """config.wsgi as a server runs it, but Django closing "old" connections around each
    request would end the test's transaction: the seeded world would be gone."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


INTEGER_IDS = {"/api/v1/accounts/{id}/", "/api/v1/people/{id}/"}


def path_ids(world: World, caller: Any) -> list[tuple[str, Any]]:
    """The object each operation's {id} names."""
    return [
        ("/api/v1/incidents/{id}/", world.incident.pk),
        ("/api/v1/incidents/{id}/transition/", world.incident.pk),
        ("/api/v1/incidents/{id}/timeline/", world.incident.pk),
        ("/api/v1/incidents/{incident_pk}/claims/{id}/", world.claim.pk),
        ("/api/v1/incidents/{incident_pk}/checklist/{id}/", world.item.pk),
        ("/api/v1/incidents/{incident_pk}/roles/{id}/relieve/", world.assignment.pk),
        ("/api/v1/incidents/{incident_pk}/stakeholder-updates/{id}/", world.stakeholder_update.pk),
        ("/api/v1/incidents/{incident_pk}/briefings/{id}/", world.briefing.pk),
        ("/api/v1/accounts/{id}/", world.account.pk),
        ("/api/v1/people/{id}/", world.responder.pk),
        ("/api/v1/notifications/{id}/", world.notifications[caller.pk].pk),
        ("/api/v1/notifications/{id}/read/", world.notifications[caller.pk].pk),
        ("/api/v1/stakeholders/{id}/", world.group.pk),
        ("/api/v1/templates/{id}/", world.template.pk),
        ("/api/v1/templates/{id}/approve/", world.template.pk),
        ("/api/v1/templates/{id}/render/", world.template.pk),
        ("/api/v1/mentions/{id}/", world.mention.pk),
        ("/api/v1/mentions/{id}/triage/", world.mention.pk),
        ("/api/v1/mentions/{id}/assign/", world.mention.pk),
        ("/api/v1/mentions/{id}/link/", world.mention.pk),
        ("/api/v1/messages/{id}/", world.draft.pk),
        ("/api/v1/messages/{id}/submit/", world.draft.pk),
        ("/api/v1/messages/{id}/approve/", world.pending.pk),
        ("/api/v1/messages/{id}/reject/", world.pending.pk),
        ("/api/v1/messages/{id}/request-changes/", world.pending.pk),
        ("/api/v1/messages/{id}/withdraw/", world.pending.pk),
        ("/api/v1/messages/{id}/retry/", world.failed.pk),
        ("/api/v1/messages/{id}/mark-sent/", world.stakeholder_message.pk),
        ("/api/v1/messages/{id}/preflight/", world.draft.pk),
        ("/api/v1/wording-rules/{id}/", world.wording_rule.pk),
        ("/api/v1/wording-rules/{id}/retire/", world.wording_rule.pk),
        ("/api/v1/wording-rules/{id}/changes/", world.wording_rule.pk),
        ("/api/v1/statement-pages/{id}/", world.statement_page.pk),
        ("/api/v1/statement-pages/{id}/switch-off/", world.statement_page.pk),
        ("/api/v1/log/{id}/", world.published.pk),
        ("/api/v1/deadlines/{id}/", world.deadline.pk),
        ("/api/v1/deadlines/{id}/acknowledge/", world.deadline.pk),
        ("/api/v1/deadlines/{id}/snooze/", world.statement_deadline.pk),
        ("/api/v1/postmortems/{id}/", world.postmortem.pk),
        ("/api/v1/postmortems/{id}/submit-review/", world.postmortem.pk),
        ("/api/v1/postmortems/{id}/comments/", world.postmortem.pk),
        ("/api/v1/postmortems/{id}/export/", world.postmortem.pk),
        ("/api/v1/postmortems/{id}/publish/", world.postmortem_in_review.pk),
        ("/api/v1/postmortems/{id}/correct/", world.postmortem_published.pk),
        ("/api/v1/action-items/{id}/", world.action_item.pk),
        ("/api/v1/alerts/{id}/", world.alert.pk),
        ("/api/v1/alerts/{id}/declare/", world.alert.pk),
        ("/api/v1/alerts/{id}/dismiss/", world.alert.pk),
        ("/api/v1/postmortem-exports/{id}/", world.export_jobs[caller.pk].pk),
        ("/api/v1/postmortem-exports/{id}/download/", world.export_jobs[caller.pk].pk),
        ("/api/v1/playbooks/{id}/", world.playbook.pk),
        ("/api/v1/playbooks/{id}/versions/", world.playbook.pk),
        ("/api/v1/publishing-pauses/{id}/", world.pause.pk),
        ("/api/v1/publishing-pauses/{id}/resume/", world.pause.pk),
        ("/api/v1/publishing-pauses/{id}/waiting/", world.pause.pk),
        ("/api/v1/risks/{id}/", world.risk.pk),
        ("/api/v1/risks/{id}/mitigations/", world.risk.pk),
        ("/api/v1/risks/{id}/mitigations/{mitigation_id}/", world.risk.pk),
        ("/api/v1/risks/{id}/realised/", world.risk.pk),
        ("/api/v1/risks/{id}/review/", world.risk.pk),
    ]


def config_for(world: World, token: str, caller: Any) -> schemathesis.Config:
    """Every check, the caller's token, and the world's objects wherever a client sends an id
    (in the path, the query and the body), in every phase."""
    body = {
        "incident": world.incident.pk,
        "account": world.account.pk,
        "person": world.responder.pk,
        "assignee": world.responder.pk,
        "crisis_lead": world.responder.pk,
        "reply_to_mention": world.mention.pk,
        "corrects": world.published.pk,
        "cited_claims[*]": world.claim.pk,
        "stakeholder_group": world.group.pk,
        "group": world.group.pk,
        "briefing_departments[*]": world.department.pk,
        "departments[*]": world.department.pk,
        "role": Role.LEGAL_REVIEWER,
        "reviewers[*]": world.responder.pk,
        "owner": world.responder.pk,
        "postmortem": world.postmortem.pk,
        "playbook": world.playbook.pk,
        "templates[*]": world.approved_template.pk,
        "release[*]": world.held.pk,
    }
    parameters: dict[str, Any] = {f"body.{name}": value for name, value in body.items()}
    parameters |= {
        "query.incident": world.incident.pk,
        "query.account": world.account.pk,
        "query.postmortem": world.postmortem.pk,
        "query.risk": world.risk.pk,
        "path.incident_pk": str(world.incident.pk),
        "path.slug": Role.SCRIBE,
        "path.mitigation_id": str(world.mitigation.pk),
    }
    operations: list[dict[str, Any]] = [
        # A {id} the router matches with \\d+ is documented as digits (a string), others as
        # an integer.
        {"include-path": path, "parameters": {"path.id": pk if path in INTEGER_IDS else str(pk)}}
        for path, pk in path_ids(world, caller)
    ]
    operations += [
        {
            "include-method": method,
            "include-path": path,
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429"]
                }
            },
        }
        for method, path in sorted(RULES_IN_WORDS)
    ]
    return schemathesis.Config.from_dict(
        {
            "headers": {"Authorization": f"Token {token}"},
            "parameters": parameters,
            "operations": operations,
        }
    )


@pytest.fixture(params=["admin_user", "responder"])
def api_schema(request, app_on_the_test_database, manager, responder, admin_user, reader):
    world = world_build(manager=manager, responder=responder, others=(reader, admin_user))
    caller = request.getfixturevalue(request.param)
    token = Token.objects.create(user=caller).key
    return schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json",
        app_on_the_test_database,
        headers={"Authorization": f"Token {token}"},
        config=config_for(world, token, caller),
    )


# schemathesis 4.32 names each operation's subtest by rewriting the test's Node._nodeid, which
# pytest 9.2 no longer has (it keeps a NodeId in _id): give it one, read-only (the operations
# are still named, as subtests).
if not hasattr(pytest.Function, "_nodeid"):
    pytest.Function._nodeid = property(  # type: ignore[attr-defined]
        lambda node: node.nodeid, lambda node, value: None
    )

schema = schemathesis.pytest.from_fixture("api_schema")

# The operations in four parts of about 35 each, one test per part and caller, so the suite's two
# processes share them instead of one process spending eight minutes on two long tests at the
# end. The last part is every operation the others leave out: a new resource is checked
# without being listed here.
PARTS = {
    "incidents": ("incidents", "roles", "oncall", "volume", "policies"),
    "messages": ("messages", "mentions", "templates", "wording-rules", "accounts", "log"),
    "postmortems": (
        "postmortems",
        "postmortem-exports",
        "action-items",
        "risks",
        "drills",
        "drill-runs",
    ),
}


def _resources(names: tuple[str, ...]) -> str:
    return "^/api/v1/(" + "|".join(names) + ")/"


def _conformance(part: LazySchema) -> Any:
    """Every operation of ``part`` with its generated examples: about a minute per caller on
    the 2-core machine when the suite's other process runs beside it, more under load. Its limit
    ends the worker (method "thread") rather than raising inside whatever runs at that moment: an
    exception in the middle of a query would leave the connection busy and turn every later
    request of the run into a misleading 500 ("another command is already in progress")."""

    @pytest.mark.timeout(900, method="thread")
    @part.parametrize()
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=DERANDOMIZE,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def test(case):
        case.call_and_validate()

    return test


test_the_incident_api_does_what_its_document_says = _conformance(
    schema.include(path_regex=_resources(PARTS["incidents"]))
)
test_the_messages_api_does_what_its_document_says = _conformance(
    schema.include(path_regex=_resources(PARTS["messages"]))
)
test_the_postmortem_api_does_what_its_document_says = _conformance(
    schema.include(path_regex=_resources(PARTS["postmortems"]))
)
test_the_rest_of_the_api_does_what_its_document_says = _conformance(
    schema.exclude(path_regex=_resources(sum(PARTS.values(), ())))
)
