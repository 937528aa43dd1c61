"""The role catalogue every crisis team starts from. Code refers to the slugs; admins edit the
names and responsibilities. ``roles_ensure`` is idempotent and runs after every migrate, so
the roles the code needs always exist."""

from typing import Any

ROLES = [
    (
        "crisis_lead",
        "Crisis lead",
        "Owns the incident: decides severity and status, staffs the roles, keeps the update "
        "cadence, is the one person in charge until the role is handed over.",
    ),
    (
        "communications_lead",
        "Communications lead",
        "Owns every public word: drafts or assigns statements and replies, keeps the tone "
        "respectful, sees that nothing unverified is repeated.",
    ),
    (
        "approver",
        "Approver",
        "Approves or rejects outgoing messages written by others; checks facts, cited claims "
        "and tone before anything leaves the brand.",
    ),
    (
        "social_media_operator",
        "Social media operator",
        "Watches mentions and volume, triages what needs a reply, publishes approved messages "
        "and records what was published.",
    ),
    (
        "legal_reviewer",
        "Legal reviewer",
        "Reviews statements for legal risk, advises on what may and may not be said, "
        "handles regulators when required.",
    ),
    (
        "customer_care_lead",
        "Customer care lead",
        "Briefs customer care with approved answers, reports what customers ask, routes "
        "individual cases.",
    ),
    (
        "scribe",
        "Scribe",
        "Keeps the timeline: decisions, calls and facts with their times, so the postmortem "
        "can be written from the record.",
    ),
    (
        "subject_matter_expert",
        "Subject-matter expert",
        "Brings the facts of the affected product, system or process; verifies or refutes "
        "claims with evidence.",
    ),
    (
        "executive_sponsor",
        "Executive sponsor",
        "Represents leadership: decides what only executives can decide, receives "
        "escalations, speaks for the company when needed.",
    ),
]


def roles_ensure(apps: Any, schema_editor: Any = None) -> None:
    """Create the catalogue's roles that are missing; never overwrite an admin's edits."""
    Role = apps.get_model("teams", "Role")
    for position, (slug, name, responsibilities) in enumerate(ROLES, start=1):
        Role.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "responsibilities": responsibilities, "position": position},
        )
