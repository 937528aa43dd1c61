"""Bad input gets a clear answer, never a 500.

The test walks the whole URL configuration (as tests/test_login_required.py does) as a manager
and as a reader. Every page and endpoint is requested with its path parameters filled with
real objects (tests/world.py) and with hostile values; every query parameter it reads, every
field its forms post and every field its endpoints take is sent, one at a time, with each
hostile value below while the others stay valid. Any 5xx (or exception) fails the test, with
the requests that caused it listed.

A page or endpoint added later is walked too: a form field, a query parameter or an API field
that is not listed here fails ``test_every_input_is_walked``.
"""

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from threading import Barrier, Lock, Thread
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.contrib.messages import constants, get_messages
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token

from communications.models import Message
from config.inputs import id_from
from config.middleware import TIMEZONE_COOKIE
from postmortems import services as postmortem_services
from postmortems.models import SECTIONS
from teams.models import Reason, Role
from tests.test_login_required import ALL
from tests.world import PREPARED_PAGE, WORDING_RULE, World, world_build

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent

# What a careless paste, a broken client or an attacker sends.
HOSTILE: dict[str, str] = {
    "nul": "a\x00b",
    "control": "a\x1bb",
    "superscript two": "²",
    # Past a 64-bit integer, and past the 40 characters a post id column holds.
    "huge number": "9" * 60,
    "float overflow": "1e309",
    "negative": "-1",
    "5000 characters": "x" * 5000,
    "impossible date": "2026-02-30",
    "last moment": "9999-12-31T23:59:59",
    "first moment": "0001-01-01T00:00",
}
# JSON bodies also get values of the wrong type and numbers no column holds.
HOSTILE_JSON: dict[str, Any] = {
    **HOSTILE,
    "10**30": 10**30,
    "-10**30": -(10**30),
    "1e308": 1e308,
    "object": {"id": 1},
    "list": ["x"],
}
# Whole JSON bodies every API operation that takes one is sent: nested deeper than Python's
# stack (the parser's limit, and the code reading the body after it), and a number past the
# 4,300 digits Python converts.
HOSTILE_BODIES: dict[str, str] = {
    "100,000 nested lists": "[" * 100_000 + "]" * 100_000,
    "a field nested 900 deep": '{"title": ' + "[" * 900 + "]" * 900 + "}",
    "a number of 5,000 digits": '{"title": ' + "9" * 5000 + "}",
}
# A path parameter matched by [0-9]+ takes only the huge number, and this.
NO_ID = "0"
# A path parameter that is a UUID takes only this: well formed, and nobody's.
NO_UUID = "00000000-0000-0000-0000-000000000000"

HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}
# Viewers far from UTC: a typed local time near the ends of the calendar overflows in UTC.
VIEWERS = {"manager": "Pacific/Kiritimati", "reader": "Pacific/Pago_Pago"}
# Areas only an admin may write to: an admin walks them in the manager's place, so that the
# hostile values reach the services instead of stopping at 403.
ADMIN_AREAS = {"api/policies": "only admins edit the response policies"}

# Not walked with hostile posts, and why.
NOT_POSTED = {
    "logout": "ends the session the walk runs in",
    "login": "failed logins count towards a lockout shared with other tests",
    "password_reset": "sends mail; Django's own form",
    "password_reset_confirm": "Django's own view; the token is checked first",
}


# Posted with values a manager is refused, and why.
REFUSED_ON_PURPOSE = {
    "password_change": "a changed password would end the session the walk runs in",
    "security:verify": "a right code needs the authenticator's secret at that moment",
    "security:setup": "a right code needs the authenticator's secret at that moment",
}
# The notification preferences form: a checkbox per reason and channel.
CHANNELS = ("email", "chat")


# --- the values that make each page work --------------------------------------------------


def _message_for(name: str, world: World) -> Message:
    if name.endswith(("-approve", "-reject", "-request-changes", "-withdraw")):
        return world.pending
    if name.endswith("-retry"):
        return world.failed
    if name.endswith("-mark-sent"):
        return world.stakeholder_message
    if name.startswith("log-"):
        return world.published
    return world.draft


def _export_job(world: World, user: Any) -> Any:
    """The person's own written report; someone else's for a person who asked for none (an
    admin walking in a manager's place), which they are refused like a stranger."""
    return world.export_jobs.get(user.pk) or next(iter(world.export_jobs.values()))


def _pk(name: str, world: World, user: Any) -> int | None:
    """The real object behind a URL's ``pk`` (None: the pattern takes another object)."""
    short = name.split(":")[-1]
    if name.startswith(("drills:", "moved-drills-")):  # the drills' pages, and where they were
        kind = short.removeprefix("moved-drills-")
        return (world.drill_run if kind in {"run", "report", "finish"} else world.drill).pk
    by_name: dict[str, Any] = {
        "person": world.responder,
        "roster-remove": world.roster_member,
        "shift-remove": world.shift,
        "notification-open": world.notifications[user.pk],
        "plan-edit": world.plan_entry,
        "plan-remove": world.plan_entry,
        "group-edit": world.group,
        "contact-edit": world.contact,
        "contact-remove": world.contact,
        "account-detail": world.account,
        "claim-detail": world.claim,
        "checklist-item-detail": world.item,
        "incident-role-relieve": world.assignment,
        "notification-detail": world.notifications[user.pk],
        "notification-read": world.notifications[user.pk],
        "person-detail": world.responder,
        "stakeholder-group-detail": world.group,
        "stakeholder-update-detail": world.stakeholder_update,
        "staff-briefing-detail": world.briefing,
        "postmortem-detail": world.postmortem,
        "postmortem-submit-review": world.postmortem,
        "postmortem-comments": world.postmortem,
        "postmortem-export": world.postmortem,
        "postmortem-publish": world.postmortem_in_review,
        "postmortem-correct": world.postmortem_published,
        "action-item-detail": world.action_item,
        "publishing-pause-detail": world.pause,
        "publishing-pause-waiting": world.pause,
        "publishing-pause-resume": world.pause,
        "pause-resume": world.pause,
        "playbook": world.playbook,
        "risk": world.risk,
        "risk-edit": world.risk,
        "risk-review": world.risk,
        "risk-mitigation-add": world.risk,
        "risk-mitigation-status": world.risk,
        "risk-detail": world.risk,
        "risk-mitigations": world.risk,
        "risk-mitigation": world.risk,
        "risk-realised": world.risk,
        "playbook-edit": world.playbook,
        "playbook-archive": world.playbook,
        "playbook-detail": world.playbook,
        "playbook-versions": world.playbook,
        "statement-page-detail": world.statement_page,
        "statement-page-switch-off": world.statement_page,
        "wording-rule": world.wording_rule,
        "wording-rule-edit": world.wording_rule,
        "wording-rule-retire": world.wording_rule,
        "wording-rule-detail": world.wording_rule,
        "wording-rule-changes": world.wording_rule,
        "alert": world.alert,
        "alert-declare": world.alert,
        "alert-dismiss": world.alert,
        "alert-attach": world.alert,
        "alert-detail": world.alert,
        "drill-detail": world.drill,
        "drill-run-detail": world.drill_run,
        "drill-run-report": world.drill_run,
        "drill-run-finish": world.drill_run,
        "postmortem-export-detail": _export_job(world, user),
        "postmortem-export-download": _export_job(world, user),
    }
    if short in by_name:
        return by_name[short].pk
    if name.startswith("communications:mentions:") or short.startswith("mention-"):
        return world.mention.pk
    if short.startswith("template"):
        return world.template.pk
    if short.startswith(("message", "log-")):
        return _message_for(short, world).pk
    if short.startswith("incident-"):
        return world.incident.pk
    if short.startswith("deadline"):
        return world.deadline.pk
    return None


def real_arguments(name: str, arguments: tuple[str, ...], world: World, user: Any) -> dict:
    values: dict[str, Any] = {
        "reference": world.incident.reference,
        "incident_pk": world.incident.pk,
        "claim_id": world.claim.pk,
        "item_id": world.item.pk,
        "assignment_id": world.assignment.pk,
        "group_pk": world.group.pk,
        "slug": Role.SCRIBE,
        "severity": world.policy.severity,
        "uidb64": "x",
        "token": "x",
        "app_label": "incidents",
        "model_name": "incident",
        "object_id": world.incident.pk,
        "content_type_id": "1",
        "url": "x",
        "job_id": _export_job(world, user).pk,
        "mitigation_id": world.mitigation.pk,
        "language": "tr",
        "key": "x",  # a statement page subscriber's link key (nobody's)
    }
    kwargs = {argument: values.get(argument) for argument in arguments}
    if "pk" in arguments:
        # The admin's own pages are walked with any id: they refuse everyone here anyway.
        kwargs["pk"] = "1" if name.startswith("admin:") else _pk(name, world, user)
        assert kwargs["pk"] is not None, f"{name}: say which object its pk is in _pk()"
    return kwargs


# Query parameters each page reads (the API's come from its OpenAPI document).
QUERY: dict[str, tuple[str, ...]] = {
    "incidents:list": (
        "q",
        "status",
        "open",
        "severity",
        "category",
        "source",
        "tag",
        "detected_after",
        "detected_before",
        "drill",
        "ordering",
        "page",
    ),
    "incidents:detail": ("page", "part"),
    "incidents:timeline": ("page",),
    "teams:people": ("q", "page"),
    "drills:list": ("page",),
    "teams:oncall": ("from",),
    "teams:notifications": ("unread", "page"),
    "teams:my-deadlines": ("page",),
    "teams:deadlines-overdue": ("incident", "page"),
    "postmortems:detail": ("page",),
    "postmortems:list": ("status", "page"),
    "postmortems:action-items": ("owner", "overdue", "page"),
    "communications:accounts": ("page",),
    "communications:pauses": ("page",),
    "communications:playbook": ("version",),
    "communications:playbooks": ("q", "page"),
    "communications:alerts": ("status", "account", "page"),
    "teams:risks": (
        "q",
        "status",
        "category",
        "band",
        "owner",
        "overdue",
        "playbook",
        "ordering",
        "page",
    ),
    "teams:risk-heat-map": ("q", "status", "category", "band", "owner", "overdue", "playbook"),
    "desk:declare": ("playbook",),
    "communications:approvals": ("page",),
    "communications:log": ("incident", "account", "kind", "status", "after", "before", "page"),
    "communications:log-csv": ("incident", "account", "kind", "status", "after", "before"),
    "communications:templates": ("kind", "language", "page"),
    "communications:wording-rules": ("shown", "page"),
    "communications:template": ("incident", "handle", "next_update"),
    "communications:message-new": ("reply_to", "template", "incident", "kind"),
    "communications:mentions:queue": (
        "q",
        "open",
        "triage",
        "account",
        "incident",
        "linked",
        "origin",
        "drill",
        "mine",
        "overdue",
        "page",
    ),
    "login": ("next",),
    "live": ("on",),
    "security:verify": ("next",),
    "security:setup": ("next",),
    "api-schema": ("format", "lang"),
}


def form_posts(name: str, world: World) -> list[tuple[str, dict[str, Any]]]:
    """Valid posts of the page's forms: (query string, fields) each. Empty: none posts."""
    w = world

    incident_details = {
        "title": "Outage rumours",
        "severity": "2",
        "category": "other",
        "source": "other",
        "summary": "Down.",
        "tags": "outage, login",
    }
    risk_fields = {
        "title": "A product safety rumour goes viral",
        "description": "Posts about a batch.",
        "category": "product_quality",
        "likelihood": "4",
        "impact": "5",
        "owner": w.manager.pk,
        "status": "open",
        "playbook": w.playbook.pk,
        "early_warning_signs": "Batch numbers in posts.",
        "watch_terms": "sick, batch",
        "review_at": "2030-01-01T10:00",
    }
    playbook_fields = {
        "name": "Product safety rumour",
        "category": "product_quality",
        "severity_hint": "2",
        "scenario": "A post says a product hurt someone.",
        "first_steps": "Gather the facts.",
        "checklist": "20 | Confirm the facts",
        "roles": Role.LEGAL_REVIEWER,
        "stakeholders": f"{w.group.name} | email | 60",
        "templates": w.approved_template.pk,
        "note": "Sooner.",
    }
    message = {
        "account": w.account.pk,
        "kind": "reply",
        "body": "We are on it.",
        "reply_to_mention": w.mention.pk,
        "reply_to_post": "",
        "quote_post": "",
        "corrects": w.published.pk,
        "parts": "",
        "stakeholder_group": "",
        "stakeholder_channel": "",
        "briefing_departments": w.department.pk,
        "cited_claims": w.claim.pk,
        "scheduled_at": "2030-01-01T10:00",
        "language": "tr",
        "action": "submit",
        # The world's mention has a reply waiting for approval already.
        "reply_anyway": "on",
    }
    # A reply or a quote naming the post by its id (or link), stored in a 40-character column.
    by_link = [
        {"account": w.account.pk, "kind": kind, "body": "See this.", field: "1870000000000000555"}
        for kind, field in (("reply", "reply_to_post"), ("quote", "quote_post"))
    ]
    group = {"name": "Press", "kind": "media", "description": "Journalists."}
    contact = {
        "name": "Desk",
        "organisation": "Herald",
        "email": "desk@example.org",
        "phone": "+90 212 555 01 23",
        "preferred_channel": "email",
        "notes": "",
    }
    plan = {
        "severity": "1",
        "group": w.group.pk,
        "channel": "phone",
        "within_minutes": "30",
        "notes": "Call them.",
    }
    drill = {
        "title": "Tabletop",
        "scenario": "A leak.",
        "held_at": "2026-01-05T10:00",
        "participants": w.responder.pk,
        "findings": "",
        "follow_ups": "",
    }
    template = {
        "name": "Apology",
        "kind": "reply",
        "language": "en",
        "body": "Sorry, {handle}.",
        "headline": "",
        "faq": "",
    }
    comment = {"comment": "Reads well."}
    # The incident's postmortem, started as resolving starts it (once), with an action item:
    # the postmortem page's forms act on them.
    postmortem = postmortem_services.postmortem_start(actor=None, incident=w.incident)
    action_item = postmortem.action_items.first() or postmortem_services.action_item_add(
        actor=w.manager,
        postmortem=postmortem,
        title="Pre-approve a holding statement",
        owner=w.responder,
        due_date=w.incident.detected_at.date(),
        kind="prevent",
    )
    action_item_fields = {
        "title": "Train the desk",
        "owner": w.responder.pk,
        "due_date": "2030-01-01",
        "kind": "training",
        "priority": "high",
        "follow_up_url": "https://tickets.example.org/1",
    }
    preferences = {f"{reason.value}-{channel}": "on" for reason in Reason for channel in CHANNELS}
    code = {"code": "123456", "next": "/"}
    posts: dict[str, tuple[str, dict[str, Any]] | list[tuple[str, dict[str, Any]]]] = {
        "desk:transition": ("", {"to": "triaged", "reason": "Seen.", "waiver": ""}),
        "desk:acknowledge": ("", {}),
        "incidents:note-add": ("", {"text": "Legal called.", "at": "2026-01-05T10:00"}),
        "incidents:claim-add": (
            "",
            {"statement": "It leaked.", "seen_at_location": "X", "first_seen_at": ""},
        ),
        "incidents:claim-status": ("", {"status": "false", "evidence": "The logs."}),
        "desk:declare": (
            "",
            {
                **incident_details,
                "detected_at": "",
                "crisis_lead": w.responder.pk,
                "playbook": w.playbook.pk,
                "declare_key": "a-key",
            },
        ),
        "desk:edit": ("", {**incident_details, "language": "tr", "reason": "Contained"}),
        "teams:incident-role-assign": (
            "",
            {"role": Role.LEGAL_REVIEWER, "person": w.responder.pk, "hand_over": "on"},
        ),
        "teams:incident-role-relieve": ("", {}),
        "teams:incident-checklist-add": (
            "",
            {"title": "Call PR", "assignee": w.responder.pk, "due_at": "2030-01-01T10:00"},
        ),
        "teams:incident-checklist-update": (
            "",
            {"assignee": w.manager.pk, "due_at": "2030-01-01T10:00"},
        ),
        "teams:incident-checklist-done": ("", {"done": "on"}),
        "teams:profile": [
            (
                "",
                {
                    "section": "",
                    "department": w.department.pk,
                    "title": "Lead",
                    "phone": "+90 212 555 01 23",
                    "timezone": "Europe/Istanbul",
                    "language": "tr",
                    "webhook_url": "https://hooks.example.org/x",
                },
            ),
            ("", {"section": "notifications", **preferences}),
        ],
        "teams:language": ("", {"language": "tr", "next": "/incidents/"}),
        "teams:roster-add": (
            "",
            {"role": Role.LEGAL_REVIEWER, "person": w.responder.pk, "kind": "backup"},
        ),
        "teams:roster-remove": ("", {}),
        "teams:oncall": (
            "",
            {
                "role": Role.APPROVER,
                "person": w.responder.pk,
                "starts_at": "2030-01-01T08:00",
                "ends_at": "2030-01-01T20:00",
            },
        ),
        "teams:shift-remove": ("", {}),
        "drills:new": ("", drill),
        "drills:edit": ("", drill),
        "teams:notifications-read-all": ("", {}),
        "teams:deadline-acknowledge": ("", {"reason": "On it."}),
        "teams:deadline-snooze": ("", {"minutes": "15", "reason": "In a call."}),
        "stakeholders:plan-add": ("", plan),
        "stakeholders:plan-edit": ("", plan),
        "stakeholders:plan-remove": ("", {}),
        "stakeholders:group-add": ("", group),
        "stakeholders:group-edit": ("", group),
        "stakeholders:contact-add": ("", contact),
        "stakeholders:contact-edit": ("", contact),
        "stakeholders:contact-remove": ("", {}),
        "stakeholders:update-record": (
            "",
            {"group": w.group.pk, "channel": "phone", "told_at": "", "summary": "Called."},
        ),
        "stakeholders:briefing": ("", {"text": "Say nothing.", "departments": w.department.pk}),
        "communications:incident-briefing": (
            "",
            {"text": "Say nothing.", "departments": w.department.pk},
        ),
        "communications:message-new": [
            (
                urlencode({"incident": w.incident.reference, "template": w.template.pk}),
                {**message, "template": w.template.pk},
            ),
            *((urlencode({"incident": w.incident.reference}), post) for post in by_link),
        ],
        "communications:message-edit": [("", message), *(("", post) for post in by_link)],
        "communications:message-submit": ("", {}),
        "communications:message-approve": ("", comment),
        "communications:message-reject": ("", comment),
        "communications:message-request-changes": ("", comment),
        "communications:message-withdraw": ("", comment),
        "communications:message-retry": ("", {}),
        "communications:message-mark-sent": ("", {}),
        "communications:length": ("", {"text": "Hello @brand https://x.com"}),
        "communications:preflight": (
            "",
            {
                "body": "CALM DOWN {next_update}",
                "parts": "As we already said.",
                "kind": "thread",
                "reply_to_mention": w.mention.pk,
                "template": w.template.pk,
            },
        ),
        "communications:wording-rule-new": ("", {**WORDING_RULE, "name": "Hollow thanks"}),
        "communications:wording-rule-edit": (
            "",
            {**WORDING_RULE, "change_reason": "Clearer words"},
        ),
        "communications:wording-rule-retire": ("", {"change_reason": "Merged", "in_force": "0"}),
        "communications:incident-statement-page": [
            ("", {"headline": "Batch 24-117 of our mango juice", "action": "on"}),
            ("", {"action": "off"}),
        ],
        "statement-page-subscribe": ("", {"email": "someone@example.com"}),
        "communications:template-new": ("", template),
        "communications:template-edit": ("", template),
        "communications:template-approve": ("", {}),
        "communications:mentions:add": (
            "",
            {
                "account": w.account.pk,
                "url": "https://x.com/someone/status/1870000000000000555",
                "text": "Is it down?",
                "author_handle": "someone",
                "author_name": "Some One",
                "author_followers": "10",
                "posted_at": "2026-01-05T10:00",
                "incident": w.incident.pk,
            },
        ),
        "communications:mentions:triage": (
            "",
            {"status": "no_reply", "reason": "Spam.", "reply_url": "", "next": "/"},
        ),
        "communications:mentions:assign": ("", {"assignee": w.responder.pk, "next": "/"}),
        "communications:mentions:link": ("", {"incident": w.incident.pk, "next": "/"}),
        "password_change": (
            "",
            {"old_password": "wrong", "new_password1": "n3w-pass!", "new_password2": "n3w-pass!"},
        ),
        "security:verify": ("", code),
        "security:setup": ("", code),
        "security:recovery-codes-new": ("", {}),
        "communications:pauses": ("", {"account": w.account.pk, "reason": "Hacked."}),
        "communications:pause-resume": ("", {"release": w.held.pk}),
        "communications:playbook-new": ("", {**playbook_fields, "name": "Data breach"}),
        "communications:playbook-edit": ("", playbook_fields),
        "communications:playbook-archive": [("", {"archived": "yes"}), ("", {"archived": "no"})],
        "communications:incident-playbook-apply": ("", {"playbook": w.playbook.pk}),
        "communications:alert-dismiss": ("", {"reason": "Our own campaign."}),
        "communications:alert-attach": ("", {"incident": w.incident.pk}),
        "communications:mentions:presence": (
            "",
            {"here": w.mention.pk, "doing": "replying", "mention": [w.mention.pk], "drill": ""},
        ),
        "communications:mentions:bulk": [
            (
                "",
                {"mentions": [w.mention.pk], "action": "escalate", "reason": "Press", "next": "/"},
            ),
            ("", {"mentions": [w.mention.pk], "action": "assign", "assignee": w.responder.pk}),
            ("", {"mentions": [w.mention.pk], "action": "link", "incident": w.incident.pk}),
        ],
        "drills:start": (
            "",
            {"scenario": "product_safety_en", "speed": "10", "based_on": w.account.pk, "file": ""},
        ),
        "drills:finish": ("", {}),
        "communications:alert-declare": (
            "",
            {"title": "Recall storm", "severity": "2", "playbook": w.playbook.pk},
        ),
        "teams:risk-new": ("", risk_fields),
        "teams:risk-edit": ("", risk_fields),
        "teams:risk-review": (
            "",
            {"review-next_review_at": "2030-01-01T10:00", "review-note": "OK"},
        ),
        "teams:risk-mitigation-add": (
            "",
            {
                "mitigation-text": "Train",
                "mitigation-owner": w.responder.pk,
                "mitigation-status": "planned",
            },
        ),
        "teams:risk-mitigation-status": ("", {"status": "done"}),
        "teams:incident-risk-realised": ("", {"risk": w.risk.pk}),
        "postmortems:start": ("", {}),
        "postmortems:sections": (
            "",
            {
                **{section: "Written." for section, _title in SECTIONS},
                "root_cause_category": "misunderstanding",
                "five_whys": "Nobody checked.",
            },
        ),
        "postmortems:move": ("", {"to": "in_review", "reviewers": w.responder.pk, "reason": ""}),
        "postmortems:comment-add": ("", {"text": "Add the timeline.", "section": "summary"}),
        "postmortems:key-event": ("", {"event": w.incident.events.all()[0].pk, "key": "on"}),
        "postmortems:action-item-add": ("", action_item_fields),
        "postmortems:action-item-status": ("", {"item": action_item.pk, "status": "in_progress"}),
    }
    found = posts.get(name, [])
    return found if isinstance(found, list) else [found]


# A scenario file of one's own, the smallest that plays (drills/scenario.py).
SCENARIO = """title: Recall
language: en
severity: 2
summary: A recall rumour.
events:
  - {at: "0:05", kind: mention, author: parent1, text: "Is the juice safe?"}
"""


def api_bodies(name: str, world: World) -> dict[str, list[dict[str, Any]]]:
    """Valid bodies of the endpoint's writes, by method."""
    w = world
    message = {
        "kind": "reply",
        "body": "We are on it.",
        "parts": [],
        "reply_to_mention": w.mention.pk,
        "reply_to_post": "",
        "quote_post": "",
        "corrects": w.published.pk,
        "cited_claims": [w.claim.pk],
        "scheduled_at": None,
        "stakeholder_group": None,
        "stakeholder_channel": "",
        "briefing_departments": [],
        "language": "",
    }
    group = {"name": "Press", "kind": "media", "description": ""}
    template = {
        "name": "Apology",
        "kind": "reply",
        "language": "en",
        "body": "Sorry.",
        "headline": "",
        "faq": "",
    }

    risk = {
        "title": "A product safety rumour goes viral",
        "description": "Posts about a batch.",
        "category": "product_quality",
        "likelihood": 4,
        "impact": 5,
        "owner": w.manager.pk,
        "status": "open",
        "playbook": w.playbook.pk,
        "early_warning_signs": "Batch numbers in posts.",
        "watch_terms": ["sick", "batch"],
        "review_at": "2030-01-01T10:00:00Z",
    }
    drill = {
        "title": "Recall tabletop",
        "scenario": "A recall rumour.",
        "held_at": "2030-01-01T10:00:00Z",
        "participants": [w.responder.pk],
        "findings": "Legal was late.",
        "follow_ups": "Legal on the roster.",
    }
    playbook = {
        "name": "Product safety rumour",
        "category": "product_quality",
        "scenario": "A post says a product hurt someone.",
        "severity_hint": 2,
        "first_steps": "Gather the facts.",
        "checklist": [{"title": "Confirm the facts", "due_minutes": 20}],
        "roles": [Role.LEGAL_REVIEWER],
        "stakeholders": [{"group": w.group.pk, "channel": "email", "within_minutes": 60}],
        "templates": [w.approved_template.pk],
        "note": "Sooner.",
    }
    by_link = [
        {"account": w.account.pk, "kind": kind, "body": "See this.", field: "1870000000000000555"}
        for kind, field in (("reply", "reply_to_post"), ("quote", "quote_post"))
    ]
    bodies: dict[str, dict[str, Any]] = {
        "incident-list": {
            "POST": {
                "title": "Login outage",
                "severity": 3,
                "summary": "",
                "category": "other",
                "source": "other",
                "tags": ["login"],
                "detected_at": None,
                "crisis_lead": w.responder.pk,
                "playbook": w.playbook.pk,
                "declare_key": "a-key",
            }
        },
        "incident-apply-playbook": {"POST": {"playbook": w.playbook.pk}},
        "alert-declare": {
            "POST": {"title": "Recall storm", "severity": 2, "playbook": w.playbook.pk}
        },
        "alert-dismiss": {"POST": {"reason": "Our own campaign."}},
        "alert-attach": {"POST": {"incident": w.incident.pk}},
        "mention-bulk": {
            "POST": [
                {
                    "mentions": [w.mention.pk],
                    "action": "link",
                    "incident": w.incident.pk,
                    "assignee": None,
                    "reason": "",
                },
                {"mentions": [w.mention.pk], "action": "assign", "assignee": w.responder.pk},
            ]
        },
        "risk-list": {"POST": risk},
        "wording-rule-list": {
            "POST": {**WORDING_RULE, "name": "Hollow thanks", "change_reason": ""}
        },
        "wording-rule-detail": {"PATCH": {**WORDING_RULE, "change_reason": "Clearer words"}},
        "wording-rule-retire": {"POST": {"change_reason": "Merged", "in_force": False}},
        "statement-page-list": {
            "POST": {"incident": w.incident.pk, "headline": "Batch 24-117 of our mango juice"}
        },
        "statement-page-switch-on-prepared": {
            "POST": {"incident": w.dark.pk, "name": PREPARED_PAGE}
        },
        "risk-detail": {"PATCH": risk},
        "drill-list": {"POST": drill},
        "drill-detail": {"PATCH": drill},
        "drill-run-list": {
            "POST": {
                "scenario": "mine.yaml",
                "text": SCENARIO,
                "speed": 20,
                "based_on": w.account.pk,
            }
        },
        "risk-mitigations": {
            "POST": {"text": "Train", "owner": w.responder.pk, "status": "planned"}
        },
        "risk-mitigation": {"PATCH": {"text": "Train", "owner": w.responder.pk, "status": "done"}},
        "risk-review": {"POST": {"next_review_at": "2030-01-01T10:00:00Z", "note": "OK"}},
        "risk-realised": {"POST": {"incident": w.incident.pk}},
        "playbook-list": {"POST": {**playbook, "name": "Data breach", "archived": False}},
        "playbook-detail": {"PATCH": {**playbook, "archived": False}},
        "incident-detail": {
            "PATCH": {
                "title": "Outage",
                "severity": 2,
                "summary": "",
                "category": "other",
                "source": "other",
                "language": "tr",
                "tags": [],
                "reason": "Contained",
            }
        },
        "incident-transition": {"POST": {"to": "triaged", "reason": "", "waiver": ""}},
        "incident-timeline": {"POST": {"text": "Legal called.", "at": None}},
        "claim-list": {
            "POST": {"statement": "It leaked.", "seen_at_location": "", "first_seen_at": None}
        },
        "claim-detail": {"PATCH": {"status": "false", "evidence": "The logs."}},
        "checklist-item-list": {
            "POST": {"title": "Call PR", "assignee": w.responder.pk, "due_at": None}
        },
        "checklist-item-detail": {
            "PATCH": {"assignee": w.manager.pk, "due_at": "2030-01-01T10:00:00Z", "done": True}
        },
        "incident-role-list": {
            "POST": {"role": Role.LEGAL_REVIEWER, "person": w.responder.pk, "hand_over": None}
        },
        "incident-role-relieve": {"POST": {}},
        "stakeholder-group-list": {"POST": group},
        "stakeholder-group-detail": {"PATCH": group},
        "stakeholder-update-list": {
            "POST": {"group": w.group.pk, "channel": "phone", "told_at": None, "summary": ""}
        },
        "staff-briefing-list": {"POST": {"text": "Say nothing.", "departments": []}},
        "message-list": {
            "POST": [
                {
                    **message,
                    "incident": w.incident.pk,
                    "account": w.account.pk,
                    "submit": False,
                    "reply_anyway": True,
                },
                *({**post, "incident": w.incident.pk} for post in by_link),
            ]
        },
        "message-detail": {"PATCH": [message, *by_link]},
        "message-submit": {"POST": {"reply_anyway": True}},
        "message-approve": {"POST": {"comment": ""}},
        "message-reject": {"POST": {"comment": "No."}},
        "message-request-changes": {"POST": {"comment": "Shorter."}},
        "message-withdraw": {"POST": {"reason": ""}},
        "message-mark-sent": {"POST": {}},
        "message-retry": {"POST": {}},
        "mention-list": {
            "POST": {
                "account": w.account.pk,
                "url": "https://x.com/someone/status/1870000000000000555",
                "text": "Is it down?",
                "author_handle": "someone",
                "author_name": "",
                "author_followers": 10,
                "posted_at": None,
                "incident": w.incident.pk,
            }
        },
        "mention-triage": {"POST": {"status": "no_reply", "reason": "Spam.", "reply_url": ""}},
        "mention-assign": {"POST": {"assignee": w.responder.pk}},
        "mention-link": {"POST": {"incident": w.incident.pk}},
        "template-list": {"POST": template},
        "publishing-pause-list": {"POST": {"account": w.account.pk, "reason": "Hacked."}},
        "publishing-pause-resume": {"POST": {"release": [w.held.pk]}},
        "template-detail": {"PATCH": template},
        "template-approve": {"POST": {}},
        "template-render": {
            "POST": {"incident": w.incident.pk, "handle": "someone", "next_update": None}
        },
        "notification-read": {"POST": {}},
        "notification-read-all": {"POST": {}},
        "person-me": {
            "PATCH": {
                "title": "Counsel",
                "phone": "",
                "timezone": "Europe/Istanbul",
                "language": "tr",
                "webhook_url": "",
            }
        },
        "policy-detail": {
            "PATCH": {
                "acknowledge_minutes": 10,
                "statement_minutes": 30,
                "update_minutes": None,
                "mention_reply_minutes": 45,
                "mention_reply_by_reach": {"10000": 15},
                "approvals_required": 2,
                "repeat_minutes": 10,
                "repeat_times": 2,
                "steps": [
                    {"offset_minutes": -5, "targets": ["owner"]},
                    {"offset_minutes": 0, "targets": ["owner", "on_call:communications_lead"]},
                ],
            }
        },
        "deadline-acknowledge": {"POST": {"reason": "Legal is on it."}},
        "deadline-snooze": {"POST": {"minutes": 15, "reason": "Waiting on legal."}},
        "postmortem-list": {"POST": {"incident": w.incident.pk}},
        "postmortem-detail": {
            "PATCH": {
                **{section: "Written." for section, _title in SECTIONS},
                "root_cause_category": "misunderstanding",
                "five_whys": ["Nobody checked."],
            }
        },
        "postmortem-submit-review": {"POST": {"reviewers": [w.responder.pk]}},
        "postmortem-publish": {"POST": {}},
        "postmortem-correct": {"POST": {"reason": "The reach was wrong."}},
        "postmortem-comments": {"POST": {"text": "Add the timeline.", "section": "summary"}},
        "action-item-list": {
            "POST": {
                "postmortem": w.postmortem.pk,
                "title": "Train the desk",
                "owner": w.responder.pk,
                "due_date": "2030-01-01",
                "kind": "training",
                "priority": "high",
                "follow_up_url": "https://tickets.example.org/1",
            }
        },
        "action-item-detail": {
            "PATCH": {
                "title": "Train the desk",
                "owner": w.manager.pk,
                "due_date": "2030-01-01",
                "priority": "low",
                "kind": "process",
                "status": "in_progress",
                "follow_up_url": "https://tickets.example.org/2",
            }
        },
    }
    return {
        method: body if isinstance(body, list) else [body]
        for method, body in bodies.get(name, {}).items()
    }


# --- the OpenAPI document: which query parameters and body fields each endpoint takes ------


@dataclass
class Operation:
    query: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)


@cache
def _openapi() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def api_operations(document: dict[str, Any]) -> list[tuple[re.Pattern, str, Operation]]:
    schemas = document["components"]["schemas"]
    found = []
    for path, methods in document["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
        for method, spec in methods.items():
            operation = Operation(
                query=[p["name"] for p in spec.get("parameters", []) if p["in"] == "query"]
            )
            content = spec.get("requestBody", {}).get("content", {})
            reference = content.get("application/json", {}).get("schema", {}).get("$ref", "")
            if reference:
                operation.body = list(schemas[reference.split("/")[-1]].get("properties", {}))
            found.append((pattern, method.upper(), operation))
    return found


def operation_for(
    operations: list[tuple[re.Pattern, str, Operation]], path: str, method: str
) -> Operation | None:
    for pattern, each_method, operation in operations:
        if each_method == method and pattern.match(path):
            return operation
    return None


# --- sending ------------------------------------------------------------------------------


@dataclass
class Walk:
    client: Client
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def send(self, method: str, url: str, what: str, *, valid: bool = False, **kwargs: Any) -> None:
        """One request, and after a write that went through the page or object it leads to
        (a stored value must also be readable), in a savepoint that is rolled back: every
        request sees the same world, and a database error cannot break the ones after it."""
        with transaction.atomic():
            response = self._one(method, url, what, **kwargs)
            if response is not None and method != "GET":
                refused = self._refused(response)
                if valid and refused:
                    self.refused.append(f"{method} {url}: {response.status_code}")
                after = None if refused else self._read_back(url, response)
                if after is not None:
                    self._one("GET", after, f"{what}, then reading back")
            transaction.set_rollback(True)

    def _one(self, method: str, url: str, what: str, **kwargs: Any) -> Any:
        self.requests += 1
        try:
            response = getattr(self.client, method.lower())(url, **kwargs)
        except Exception as exc:
            self.failures.append(f"{method} {url[:120]} {what}: {type(exc).__name__}: {exc}")
            return None
        if response.status_code >= 500 and not (url == reverse("readyz") == urlsplit(url).path):
            self.failures.append(f"{method} {url[:120]} {what}: {response.status_code}")
        return response

    @staticmethod
    def _refused(response: Any) -> bool:
        if response.status_code >= 400:
            return True
        if any(m.level == constants.ERROR for m in get_messages(response.wsgi_request)):
            return True
        return b"is-invalid" in response.content

    @staticmethod
    def _read_back(url: str, response: Any) -> str | None:
        if response.status_code in (301, 302, 303):
            location = response["Location"]
            return location if location.startswith("/") else None
        if url.startswith("/api/") and 200 <= response.status_code < 300:
            return url
        return None


# A form field gets the values that can hurt a field of its kind (a page render is costly):
# every field the text ones, ids the numbers, times the calendar's ends. Query parameters and
# API fields get them all.
FOR_EVERY_FIELD = ("nul", "superscript two", "huge number", "negative", "5000 characters")
FOR_IDS = ("float overflow",)
FOR_TIMES = ("impossible date", "last moment", "first moment")
TIME_FIELD = re.compile(r"(^at|_at|_date|^from|^after|^before|next_update)$")


def hostile_for_field(key: str, valid_value: Any) -> Iterator[tuple[str, str]]:
    labels = list(FOR_EVERY_FIELD)
    if TIME_FIELD.search(key):
        labels += FOR_TIMES
    if isinstance(valid_value, int) or str(valid_value).isdigit():
        labels += FOR_IDS
    for label in labels:
        yield label, HOSTILE[label]


def _with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


def required_query(name: str, world: World) -> dict[str, Any]:
    """The query parameters an endpoint cannot answer without: sent valid beside each hostile
    one, so the hostile value gets past them."""
    return {"volume": {"account": world.account.pk}}.get(name.split(":")[-1], {})


def hostile_queries(
    names: tuple[str, ...] | list[str], base: dict[str, Any] | None = None
) -> Iterator[tuple[str, str]]:
    for name in names:
        for label, value in HOSTILE.items():
            yield f"?{name}={label}", urlencode({**(base or {}), name: value})


def walk_page(walk: Walk, name: str, url: str, world: World, *, api: Any) -> None:
    path = urlsplit(url).path
    walk.send("GET", url, "plain")
    if api is not None:
        get = operation_for(api, path, "GET")
        names = [*(get.query if get else []), "format"]
    else:
        names = list(QUERY.get(name, ()))
    for what, query in hostile_queries(names, required_query(name, world)):
        walk.send("GET", _with_query(url, query), what)
    if name in NOT_POSTED or name.startswith("admin:"):
        return
    if api is not None:
        for method in ("POST", "PUT", "PATCH"):
            if operation_for(api, path, method) is None:
                continue
            for label, raw in HOSTILE_BODIES.items():
                walk.send(method, url, label, data=raw, content_type="application/json")
        for method, bodies in api_bodies(name.split(":")[-1], world).items():
            operation = operation_for(api, path, method)
            for number, body in enumerate(bodies):
                walk.send(
                    method,
                    url,
                    "valid body",
                    valid=True,
                    data=body,
                    content_type="application/json",
                )
                # The first body sends every field the endpoint takes; the others their own.
                keys = {*body, *(operation.body if operation and number == 0 else [])}
                for key in sorted(keys):
                    for label, value in HOSTILE_JSON.items():
                        walk.send(
                            method,
                            url,
                            f"{key}={label}",
                            data=json.dumps({**body, key: value}),
                            content_type="application/json",
                        )
        return
    posts = form_posts(name, world)
    if not posts:
        walk.send("POST", url, "empty form")
        return
    for query, data in posts:
        target = _with_query(url, query)
        walk.send("POST", target, "valid form", valid=name not in REFUSED_ON_PURPOSE, data=data)
        for key, valid_value in data.items():
            for label, value in hostile_for_field(key, valid_value):
                # As the page's htmx posts them: a panel answers with itself, not the war room.
                walk.send("POST", target, f"{key}={label}", data={**data, key: value}, **HTMX)


def hostile_paths(
    name: str, arguments: tuple[str, ...], real: dict[str, Any]
) -> Iterator[tuple[str, str]]:
    for argument in arguments:
        values = [*HOSTILE.items(), ("zero", NO_ID), ("nobody's uuid", NO_UUID)]
        for label, value in values:
            try:
                url = reverse(name, kwargs={**real, argument: value})
            except NoReverseMatch:
                continue  # the pattern only takes digits here
            yield f"{argument}={label}", url


# --- the walk -----------------------------------------------------------------------------

PATTERNS = [(name, arguments) for name, arguments in ALL if "format" not in arguments]


def _sample_path(name: str, arguments: tuple[str, ...]) -> str:
    """The pattern's path with a stand-in for each argument: an id, a word or a UUID."""
    for sample in ("1", "incidents", NO_UUID):
        try:
            return reverse(name, kwargs=dict.fromkeys(arguments, sample))
        except NoReverseMatch:
            continue
    raise AssertionError(f"{name}: no stand-in argument reverses it")


def _area(name: str, arguments: tuple[str, ...]) -> str:
    """Requests are grouped by the first segment of their path (one seeded world each)."""
    path = _sample_path(name, arguments)
    segments = path.strip("/").split("/")
    if segments[0] == "api" and len(segments) > 2:
        return f"api/{segments[2]}"
    return segments[0] or "dashboard"


AREAS = sorted({_area(name, arguments) for name, arguments in PATTERNS})


@pytest.fixture
def world(manager, responder, reader):
    return world_build(manager=manager, responder=responder, others=(reader,))


def walk_area(client: Client, world: World, user: Any, area: str) -> Walk:
    walk = Walk(client)
    api = api_operations(_openapi())
    for name, arguments in PATTERNS:
        if _area(name, arguments) != area:
            continue
        client.force_login(user)
        real = real_arguments(name, arguments, world, user)
        url = reverse(name, kwargs=real)
        walk_page(walk, name, url, world, api=api if url.startswith("/api/") else None)
        if name.startswith("admin:") and not name.endswith("_change"):
            continue  # the admin's pages take an object's id the same way: its change page
        for what, hostile_url in hostile_paths(name, arguments, real):
            walk.send("GET", hostile_url, what)
            if name not in NOT_POSTED and not name.startswith("admin:"):
                walk.send("POST", hostile_url, what)
    return walk


@pytest.mark.parametrize("who", sorted(VIEWERS))
@pytest.mark.parametrize("area", AREAS)
def test_hostile_input_never_gets_a_server_error(request, client, world, who, area):
    user = request.getfixturevalue(
        "admin_user" if who == "manager" and area in ADMIN_AREAS else who
    )
    client.cookies[TIMEZONE_COOKIE] = VIEWERS[who]
    client.raise_request_exception = True
    walk = walk_area(client, world, user, area)
    print(f"hostile input, {who}, {area}: {walk.requests} requests, {len(walk.failures)} 5xx")
    assert not walk.failures, "\n".join(walk.failures)
    if who == "manager":
        # Hostile values must reach the services: every valid post and body goes through.
        assert not walk.refused, "valid input refused:\n" + "\n".join(walk.refused)


# --- the walk covers every input ----------------------------------------------------------


class Forms(HTMLParser):
    """The forms of a page: where each goes (action or hx-post/hx-get) and its field names."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, str, set[str]]] = []
        self.ids: dict[str, int] = {}
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "form":
            method = "post" if "hx-post" in values else values.get("method", "get").lower()
            target = values.get("hx-post") or values.get("hx-get") or values.get("action", "")
            self.forms.append((method, target, set()))
            if values.get("id"):
                self.ids[values["id"]] = len(self.forms) - 1
        elif tag in ("input", "select", "textarea", "button") and self.forms:
            if values.get("name") and values.get("type") != "submit":
                # A field outside its form names it (form="…"): the queue's checkboxes.
                owner = self.ids.get(values.get("form", ""), len(self.forms) - 1)
                self.forms[owner][2].add(values["name"])
        elif tag == "a" and "href" in values:
            self.links.append(values["href"])


def _target_name(target: str, here: str) -> str | None:
    path = urlsplit(target).path or here
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


IGNORED_FIELDS = {"csrfmiddlewaretoken"}


def _bodies_cover(pattern: re.Pattern, method: str, operation: Operation, world: World) -> bool:
    """Some URL of the operation has a valid body in api_bodies with every field it takes."""
    return not operation.body or any(
        set(operation.body)
        <= {key for body in api_bodies(name.split(":")[-1], world).get(method, []) for key in body}
        for name, arguments in PATTERNS
        if ":" not in name and pattern.match(_sample_path(name, arguments))
    )


def test_every_input_is_walked(client, world, manager):
    """Every field a page's form posts, every query parameter its links and filter forms use,
    every parameter the code reads and every field of the API's request bodies is walked."""
    client.force_login(manager)
    missing = []
    for name, arguments in PATTERNS:
        if name.startswith("admin:") or name in NOT_POSTED:
            continue
        url = reverse(name, kwargs=real_arguments(name, arguments, world, manager))
        if url.startswith("/api/"):
            continue
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = Forms()
        page.feed(response.content.decode())
        here = urlsplit(url).path
        for method, target, names in page.forms:
            target_name = _target_name(target, here)
            if target_name is None:
                continue
            if method == "post":
                known = {key for _q, data in form_posts(target_name, world) for key in data}
            else:
                known = set(QUERY.get(target_name, ()))
            missing += [f"{target_name}: {method} {n}" for n in names - known - IGNORED_FIELDS]
        for link in page.links:
            if "?" in link and _target_name(link, here) == name:
                keys = {key for key, _value in parse_qsl(urlsplit(link).query)}
                missing += [f"{name}: query {k}" for k in keys - set(QUERY.get(name, ()))]
    read = set()
    for source in ROOT.glob("*/**/*.py"):
        if ".venv" in source.parts or "tests" in source.parts:
            continue
        text = source.read_text()
        read |= set(re.findall(r"(?:request\.GET|query_params)\.get\(\"(\w+)\"", text))
    walked = {name for names in QUERY.values() for name in names}
    api = {name for _p, _m, op in api_operations(_openapi()) for name in op.query}
    missing += [
        f"query parameter {name} is read but walked nowhere" for name in read - walked - api
    ]
    for pattern, method, operation in api_operations(_openapi()):
        if method in ("POST", "PATCH", "PUT") and not _bodies_cover(
            pattern, method, operation, world
        ):
            missing.append(f"{method} {pattern.pattern}: fields {operation.body}")
    assert not missing, "\n".join(sorted(set(missing)))


def test_the_walk_sees_real_pages(client, world, manager):
    """A walk that only met 404s and redirects would prove nothing."""
    client.force_login(manager)
    for name in ("incidents:detail", "communications:message-edit", "message-detail"):
        arguments = dict(PATTERNS)[name]
        url = reverse(name, kwargs=real_arguments(name, arguments, world, manager))
        assert client.get(url).status_code == 200, url


# --- what the walk found, each rule stated once -------------------------------------------


def test_a_control_character_in_the_address_or_the_query_is_a_400_saying_so(client, manager):
    client.force_login(manager)
    page = client.get("/team/", {"q": "a\x00b"})
    assert page.status_code == 400
    assert "“q” contains a control character" in page.content.decode()
    assert client.get("/incidents/INC-2026-0001%00/").status_code == 400
    api = client.get("/api/v1/incidents/", {"q": "tab\there"})
    assert api.status_code == 400
    assert "q" in api.json()


def test_a_nul_in_a_posted_form_is_a_400_naming_the_field(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("desk:declare"),
        {
            "title": "Outage",
            "severity": "3",
            "category": "other",
            "source": "other",
            "tags": "a\x00",
        },
    )
    assert response.status_code == 400
    assert "“tags” contains a NUL character" in response.content.decode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        (12, 12),
        ("²", None),
        ("١٢", None),
        ("1e3", None),
        ("-1", None),
        ("0", None),
        ("9" * 30, None),
        (2**63, None),
        (True, None),
        ("", None),
        (None, None),
    ],
)
def test_an_id_typed_by_a_person_is_whole_ascii_digits_that_fit_an_id_column(value, expected):
    assert id_from(value) == expected


def test_the_composer_takes_a_mention_or_template_id_only_as_a_number(client, manager, world):
    client.force_login(manager)
    url = reverse("communications:message-new")
    for hostile in ("²", "9" * 30):
        response = client.get(url, {"incident": world.incident.reference, "reply_to": hostile})
        assert response.status_code == 200
        response = client.get(url, {"incident": world.incident.reference, "template": hostile})
        assert response.status_code == 200


def test_a_post_id_longer_than_its_column_is_refused_naming_the_field(client, api_as, world):
    long_id = "1" * 41
    client.force_login(world.manager)
    page = client.post(
        reverse("communications:message-edit", kwargs={"pk": world.draft.pk}),
        {"kind": "reply", "body": "We are on it.", "reply_to_post": long_id},
    )
    assert page.status_code == 200
    assert "at most 40 digits" in page.content.decode()
    api = api_as(world.manager).patch(
        f"/api/v1/messages/{world.draft.pk}/",
        {"kind": "quote", "body": "See this.", "quote_post": f"https://x.com/a/status/{long_id}"},
        format="json",
    )
    assert api.status_code == 400
    assert "quote_post" in api.json()
    assert (
        "reply_to_post"
        in api_as(world.manager)
        .patch(
            f"/api/v1/messages/{world.draft.pk}/",
            {"body": "x", "reply_to_post": "²"},
            format="json",
        )
        .json()
    )


def test_a_time_at_the_ends_of_the_calendar_is_refused_naming_the_field(client, api_as, world):
    """Typed far from UTC, it would overflow once converted: stored, it could not be read."""
    client.cookies[TIMEZONE_COOKIE] = "Pacific/Kiritimati"
    client.force_login(world.manager)
    page = client.post(
        reverse("incidents:note-add", kwargs={"reference": world.incident.reference}),
        {"text": "Called.", "at": "0001-01-01T00:00"},
        **HTMX,
    )
    assert page.status_code == 200
    assert "too far in the past or in the future" in page.content.decode()
    api = api_as(world.manager)
    api.cookies[TIMEZONE_COOKIE] = "Pacific/Pago_Pago"
    response = api.post(
        f"/api/v1/templates/{world.template.pk}/render/",
        {"next_update": "9999-12-31T23:59:59"},
        format="json",
    )
    assert response.status_code == 400
    assert "next_update" in response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [({"done": 0}, "done"), ({"assignee": "5"}, "assignee"), ({"due_at": 5}, "due_at")],
)
def test_an_api_field_takes_only_its_documented_json_type(api_as, world, body, field):
    item = f"/api/v1/incidents/{world.incident.pk}/checklist/{world.item.pk}/"
    response = api_as(world.manager).patch(item, body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_nul_in_an_api_field_is_a_400_naming_it(api_as, world):
    response = api_as(world.manager).post(
        f"/api/v1/incidents/{world.incident.pk}/roles/",
        {"role": "scr\x00ibe", "person": world.responder.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "role" in response.json()


def test_an_unknown_api_address_is_a_json_404(api_as, world):
    response = api_as(world.manager).get("/api/v1/incidents/abc/timeline/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("address", ["/api/v1/alerts/%C2%84/", "/api/v1/nothing-here/"])
def test_an_unknown_api_address_is_a_json_404_on_a_developers_machine_too(
    api_as, world, settings, address
):
    """DEBUG on (make run) Django answers an address no route matches with its technical
    HTML page, not the site's handler404: under /api/ it is still the API's JSON."""
    settings.DEBUG = True
    response = api_as(world.manager).get(address)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"body": ' + "[" * 900 + "]" * 900 + "}",
        '{"body": "x", "tags": ' + "[" * 20 + "]" * 20 + "}",
    ],
    ids=["100,000 deep", "900 deep in a field", "21 deep"],
)
def test_a_body_nested_deeper_than_any_field_takes_is_a_400_saying_so(api_as, world, body):
    response = api_as(world.manager).post(
        "/api/v1/messages/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "JSON parse error - lists and objects nest at most 20 deep in a body."
    }


def test_a_body_nested_as_deep_as_allowed_reaches_the_fields(api_as, world):
    """20 deep is read; the field it is in says what it takes."""
    response = api_as(world.manager).patch(
        f"/api/v1/messages/{world.draft.pk}/",
        '{"body": ' + "[" * 19 + "]" * 19 + "}",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "body" in response.json()


def test_a_number_of_thousands_of_digits_is_a_400(api_as, world):
    response = api_as(world.manager).post(
        "/api/v1/messages/", '{"body": ' + "9" * 5000 + "}", content_type="application/json"
    )
    assert response.status_code == 400
    assert "digits" in response.json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_the_api_document_is_generated_one_request_at_a_time(admin_user, monkeypatch):
    """Two first requests for the document in a threaded server met half-way inside
    drf-spectacular's lazy loading and one answered 500: generations take turns."""
    inside, most, lock = [0], [0], Lock()
    generate = SchemaGenerator.get_schema

    def slow_generation(self, *args, **kwargs):
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.3)
        try:
            return generate(self, *args, **kwargs)
        finally:
            with lock:
                inside[0] -= 1

    monkeypatch.setattr(SchemaGenerator, "get_schema", slow_generation)
    start, answers = Barrier(2), []

    token = Token.objects.create(user=admin_user).key

    def fetch():
        start.wait()
        response = Client().get("/api/schema/?format=json", HTTP_AUTHORIZATION=f"Token {token}")
        answers.append(response.status_code)

    threads = [Thread(target=fetch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200, 200]
    assert most[0] == 1
