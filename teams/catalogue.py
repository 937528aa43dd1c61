"""The role catalogue every crisis team starts from. Code refers to the slugs; admins edit the
names and responsibilities (the catalogue's own words are said in the reader's language,
Role.said_name). ``roles_ensure`` is idempotent and runs after every migrate, so
the roles the code needs always exist."""

from typing import Any

from django.apps.registry import Apps
from django.conf import settings
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils.translation import gettext_noop

ROLES = [
    (
        "crisis_lead",
        gettext_noop("Crisis lead"),
        gettext_noop(
            "Owns the incident: decides severity and status, staffs the roles, keeps the update "
            "cadence, is the one person in charge until the role is handed over."
        ),
    ),
    (
        "communications_lead",
        gettext_noop("Communications lead"),
        gettext_noop(
            "Owns every public word: drafts or assigns statements and replies, keeps the tone "
            "respectful, sees that nothing unverified is repeated."
        ),
    ),
    (
        "approver",
        gettext_noop("Approver"),
        gettext_noop(
            "Approves or rejects outgoing messages written by others; checks facts, cited claims "
            "and tone before anything leaves the brand."
        ),
    ),
    (
        "social_media_operator",
        gettext_noop("Social media operator"),
        gettext_noop(
            "Watches mentions and volume, triages what needs a reply, publishes approved messages "
            "and records what was published."
        ),
    ),
    (
        "legal_reviewer",
        gettext_noop("Legal reviewer"),
        gettext_noop(
            "Reviews statements for legal risk, advises on what may and may not be said, "
            "handles regulators when required."
        ),
    ),
    (
        "customer_care_lead",
        gettext_noop("Customer care lead"),
        gettext_noop(
            "Briefs customer care with approved answers, reports what customers ask, routes "
            "individual cases."
        ),
    ),
    (
        "scribe",
        gettext_noop("Scribe"),
        gettext_noop(
            "Keeps the timeline: decisions, calls and facts with their times, so the postmortem "
            "can be written from the record."
        ),
    ),
    (
        "subject_matter_expert",
        gettext_noop("Subject-matter expert"),
        gettext_noop(
            "Brings the facts of the affected product, system or process; verifies or refutes "
            "claims with evidence."
        ),
    ),
    (
        "executive_sponsor",
        gettext_noop("Executive sponsor"),
        gettext_noop(
            "Represents leadership: decides what only executives can decide, receives "
            "escalations, speaks for the company when needed."
        ),
    ),
]


def roles_ensure(apps: Apps, schema_editor: BaseDatabaseSchemaEditor | None = None) -> None:
    """Create the catalogue's roles that are missing; never overwrite an admin's edits."""
    Role = apps.get_model("teams", "Role")
    for position, (slug, name, responsibilities) in enumerate(ROLES, start=1):
        Role.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "responsibilities": responsibilities, "position": position},
        )


# Common practice for a social-media crisis: the worse it is, the faster the team answers and
# the higher an unmet promise climbs. Offsets are minutes from the due time (negative: a
# reminder). The approvals and mention reply times come from the settings that said them
# before these policies existed (APPROVALS_REQUIRED, MENTION_REPLY_MINUTES[_BY_REACH]).
POLICY_DEFAULTS: dict[int, dict[str, Any]] = {
    1: {
        "acknowledge_minutes": 5,
        "statement_minutes": 15,
        "update_minutes": 30,
        "repeat_minutes": 10,
        "repeat_times": 3,
        "steps": [
            (-2, ["owner"]),
            (0, ["owner", "crisis_lead"]),
            (5, ["crisis_lead", "on_call:communications_lead", "managers"]),
            (10, ["managers", "executive_sponsor"]),
        ],
    },
    2: {
        "acknowledge_minutes": 15,
        "statement_minutes": 60,
        "update_minutes": 60,
        "repeat_minutes": 15,
        "repeat_times": 3,
        "steps": [
            (-5, ["owner"]),
            (0, ["owner", "crisis_lead"]),
            (15, ["crisis_lead", "managers"]),
        ],
    },
    3: {
        "acknowledge_minutes": 60,
        "statement_minutes": None,
        "update_minutes": None,
        "repeat_minutes": 60,
        "repeat_times": 2,
        "steps": [(-10, ["owner"]), (0, ["owner", "crisis_lead"]), (60, ["managers"])],
    },
    4: {
        "acknowledge_minutes": 240,
        "statement_minutes": None,
        "update_minutes": None,
        "repeat_minutes": 240,
        "repeat_times": 1,
        "steps": [(-30, ["owner"]), (0, ["owner"]), (240, ["managers"])],
    },
}


def policies_ensure(apps: Apps, schema_editor: BaseDatabaseSchemaEditor | None = None) -> None:
    """Create the policy of each severity that has none (never overwrite an admin's edits)."""
    try:
        ResponsePolicy = apps.get_model("teams", "ResponsePolicy")
        EscalationStep = apps.get_model("teams", "EscalationStep")
    except LookupError:
        return  # before the migration that adds them
    approvals = getattr(settings, "APPROVALS_REQUIRED", {1: 2, 2: 1, 3: 1, 4: 1})
    reply_minutes = getattr(settings, "MENTION_REPLY_MINUTES", 60)
    by_reach = getattr(settings, "MENTION_REPLY_MINUTES_BY_REACH", {10000: 15, 1000: 30})
    for severity, values in POLICY_DEFAULTS.items():
        if ResponsePolicy.objects.filter(severity=severity).exists():
            continue
        fields = {k: v for k, v in values.items() if k != "steps"}
        policy = ResponsePolicy.objects.create(
            severity=severity,
            mention_reply_minutes=reply_minutes,
            mention_reply_by_reach={str(k): int(v) for k, v in by_reach.items()},
            approvals_required=max(1, int(approvals.get(severity, 1))),
            **fields,
        )
        for position, (offset, targets) in enumerate(values["steps"]):
            EscalationStep.objects.create(
                policy=policy, position=position, offset_minutes=offset, targets=targets
            )
