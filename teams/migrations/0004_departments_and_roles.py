from django.db import migrations

DEPARTMENTS = [
    ("Communications", "Press office, social media, brand."),
    ("Legal", "Legal counsel and compliance."),
    ("Customer care", "Call centre, support and complaints."),
    ("Security and IT", "Information security, IT operations."),
    ("Executive", "Leadership and the board."),
    ("Product", "Product management, quality and operations."),
    ("Human resources", "People, internal communication with staff."),
]

# The role catalogue (teams.catalogue) as it stood when this copy was made.
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


def roles_ensure(apps, schema_editor=None):
    """Create the catalogue's roles that are missing; never overwrite an admin's edits."""
    Role = apps.get_model("teams", "Role")
    for position, (slug, name, responsibilities) in enumerate(ROLES, start=1):
        Role.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "responsibilities": responsibilities, "position": position},
        )


def create(apps, schema_editor):
    Department = apps.get_model("teams", "Department")
    for name, description in DEPARTMENTS:
        Department.objects.get_or_create(name=name, defaults={"description": description})
    roles_ensure(apps)


class Migration(migrations.Migration):
    """The departments and the role catalogue a crisis team starts from (admins edit them)."""

    dependencies = [("teams", "0003_people_roles_stakeholders_notifications")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
