"""Who may do what: the one permission matrix of Crisis Desk.

It sits with the shared infrastructure because every layer asks it, the incident core
included. Groups are synced from GROUP_PERMISSIONS after every migrate (``sync_groups``, from
teams' post_migrate hook; a data migration carries its own copy of the matrix); services call
``require`` so the pages and the API obey the same rules. Anyone logged in may read.
"""

from collections.abc import Iterable
from typing import Any

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from config.errors import NotPermitted
from config.people import AnyUser

RESPONDER = "Responder"
MANAGER = "Manager"
ADMIN = "Admin"
GROUPS = (RESPONDER, MANAGER, ADMIN)
# The groups' names are data (auth.Group.name); pages say them with {% translate group.name %}.
GROUP_NAMES_SAID = (gettext_noop("Responder"), gettext_noop("Manager"), gettext_noop("Admin"))

DECLARE_INCIDENT = "incidents.add_incident"
EDIT_INCIDENT = "incidents.change_incident"
MANAGE_INCIDENT = "incidents.manage_incident"
ADD_NOTE = "incidents.add_timelineevent"
ADD_CLAIM = "incidents.add_claim"
VERIFY_CLAIM = "incidents.change_claim"
ADD_CHECKLIST_ITEM = "incidents.add_checklistitem"
WORK_CHECKLIST_ITEM = "incidents.change_checklistitem"
APPROVE_MESSAGE = "communications.approve_message"
MANAGE_PEOPLE = "teams.change_user"
MANAGE_ROSTER = "teams.change_rostermember"
MANAGE_ONCALL = "teams.change_oncallshift"
MANAGE_DRILLS = "drills.change_drill"
ASSIGN_ROLES = "teams.add_roleassignment"
MANAGE_STAKEHOLDERS = "teams.change_stakeholdergroup"
RECORD_STAKEHOLDER_UPDATE = "teams.add_stakeholderupdate"
BRIEF_STAFF = "teams.add_staffbriefing"
MANAGE_CATALOGUE = "teams.change_role"
MANAGE_POLICIES = "teams.change_responsepolicy"
MANAGE_RISKS = "teams.change_risk"
MANAGE_PLAYBOOKS = "teams.change_playbook"
WRITE_POSTMORTEM = "postmortems.change_postmortem"
PUBLISH_POSTMORTEM = "postmortems.publish_postmortem"
WORK_ACTION_ITEMS = "postmortems.change_actionitem"
WORK_DEADLINES = "teams.change_deadline"
DRAFT_MESSAGE = "communications.add_message"
TRIAGE_MENTIONS = "communications.change_inboundpost"
MANAGE_TEMPLATES = "communications.change_template"
MANAGE_WORDING = "communications.change_wordingrule"
MANAGE_STATEMENT_PAGE = "communications.change_statementpage"
MANAGE_ACCOUNTS = "communications.change_socialaccount"
PAUSE_PUBLISHING = "communications.add_publishingpause"
UNLOCK_LOGINS = "axes.delete_accessattempt"

# Whoever may approve what the brand says or manage its accounts signs in with a second factor
# (an authenticator app's code or a recovery code) after the password.
TWO_FACTOR_PERMISSIONS = (APPROVE_MESSAGE, MANAGE_ACCOUNTS)

# What each permission allows, in the words the README's matrix uses.
ACTIONS: dict[str, Any] = {
    DECLARE_INCIDENT: _("declare an incident, also from a listening alert (with triage)"),
    EDIT_INCIDENT: _(
        "edit an incident, acknowledge it, move it along its lifecycle "
        "(triaged, responding, monitoring, resolved)"
    ),
    MANAGE_INCIDENT: _("decline (false alarm), close, reopen; waive the postmortem of a SEV1/SEV2"),
    ADD_NOTE: _("add a note to the timeline (may be back-dated)"),
    ADD_CLAIM: _("record a rumour / claim"),
    VERIFY_CLAIM: _("change a claim's status with evidence"),
    ADD_CHECKLIST_ITEM: _("add a checklist item"),
    WORK_CHECKLIST_ITEM: _("assign a checklist item, set its due time, tick it done"),
    DRAFT_MESSAGE: _("draft, edit and submit outgoing messages; withdraw one's own"),
    APPROVE_MESSAGE: _(
        "approve, reject or send back outgoing messages (never one's own); withdraw or retry "
        "anyone's"
    ),
    TRIAGE_MENTIONS: _(
        "triage inbound mentions: assign, decide, link to an incident; dismiss a listening alert"
    ),
    MANAGE_TEMPLATES: _("write templates and holding statements (approving one needs approve)"),
    MANAGE_STATEMENT_PAGE: _(
        "put an incident on the public statement page (its public headline) and take it off"
    ),
    MANAGE_WORDING: _(
        "keep the wording rules the pre-flight checks apply (never say, tone, links), each "
        "change with its reason"
    ),
    MANAGE_ACCOUNTS: _("manage social accounts and their credentials"),
    PAUSE_PUBLISHING: _(
        "pause publishing on one account or on all (the stop switch), and resume it, choosing "
        "which waiting messages to release"
    ),
    ASSIGN_ROLES: _(
        "assign, relieve and hand over roles on any incident (its crisis lead may too)"
    ),
    BRIEF_STAFF: _(
        "send a staff briefing once approved (whoever completes its approval sends it; "
        "anyone who may draft messages writes one)"
    ),
    RECORD_STAKEHOLDER_UPDATE: _("record that a stakeholder group was told something"),
    MANAGE_ROSTER: _("edit the standing crisis-team roster"),
    MANAGE_ONCALL: _("plan on-call shifts"),
    MANAGE_DRILLS: _("record drills, start a drill from a scenario and finish it with its report"),
    MANAGE_STAKEHOLDERS: _("edit stakeholder groups, contacts and the communication plan"),
    MANAGE_CATALOGUE: _("edit the role catalogue and departments"),
    MANAGE_POLICIES: _("edit the response policies and their escalation chains"),
    MANAGE_RISKS: _(
        "keep the risk register: record and rate risks, their mitigations and reviews, link "
        "the incidents that realised them"
    ),
    MANAGE_PLAYBOOKS: _(
        "write playbooks (each edit is a new version) and archive them; applying one to an "
        "incident needs add a checklist item"
    ),
    WORK_DEADLINES: _("acknowledge or snooze a deadline's escalation"),
    WRITE_POSTMORTEM: _(
        "start a postmortem, write its sections, mark key events, submit it for review, comment"
    ),
    PUBLISH_POSTMORTEM: _("publish a postmortem, or begin its correction once published"),
    WORK_ACTION_ITEMS: _("add action items and update them (owner, due date, status)"),
    MANAGE_PEOPLE: _(
        "add people, edit their profiles, put them in or out of Responder, switch them off; "
        "reference data (admin site; more is a superuser's, see Access and sign-in)"
    ),
    UNLOCK_LOGINS: _("unlock someone locked out after too many failed logins (admin site)"),
}

_RESPONDER = {
    DECLARE_INCIDENT,
    EDIT_INCIDENT,
    ADD_NOTE,
    ADD_CLAIM,
    VERIFY_CLAIM,
    ADD_CHECKLIST_ITEM,
    WORK_CHECKLIST_ITEM,
    RECORD_STAKEHOLDER_UPDATE,
    DRAFT_MESSAGE,
    TRIAGE_MENTIONS,
    WORK_DEADLINES,
    WRITE_POSTMORTEM,
    WORK_ACTION_ITEMS,
}
_MANAGER = _RESPONDER | {
    MANAGE_TEMPLATES,
    MANAGE_WORDING,
    MANAGE_STATEMENT_PAGE,
    MANAGE_INCIDENT,
    APPROVE_MESSAGE,
    ASSIGN_ROLES,
    BRIEF_STAFF,
    MANAGE_ROSTER,
    MANAGE_ONCALL,
    MANAGE_DRILLS,
    MANAGE_STAKEHOLDERS,
    PUBLISH_POSTMORTEM,
    PAUSE_PUBLISHING,
    MANAGE_RISKS,
    MANAGE_PLAYBOOKS,
}
_ADMIN = _MANAGER | {
    MANAGE_PEOPLE,
    MANAGE_CATALOGUE,
    MANAGE_POLICIES,
    MANAGE_ACCOUNTS,
    UNLOCK_LOGINS,
    "axes.view_accessattempt",
    "axes.view_accesslog",
    "communications.add_socialaccount",
    "communications.view_socialaccount",
    "communications.add_watchterm",
    "communications.change_watchterm",
    "communications.delete_watchterm",
    "communications.view_message",
    "communications.view_approval",
    "communications.view_inboundpost",
    "communications.view_template",
    "communications.view_wordingrule",
    "communications.view_wordingrulechange",
    "communications.view_statementpage",
    "communications.view_pagesubscriber",
    "communications.view_pagedelivery",
    "teams.add_role",
    "teams.view_role",
    "teams.add_department",
    "teams.change_department",
    "teams.view_department",
    "teams.view_rostermember",
    "teams.view_oncallshift",
    "drills.view_drill",
    "teams.view_roleassignment",
    "teams.view_stakeholdergroup",
    "teams.view_stakeholdercontact",
    "teams.view_communicationplanentry",
    "teams.view_stakeholderupdate",
    "teams.view_staffbriefing",
    "teams.view_escalationstep",
    "teams.view_incidentplan",
    "teams.view_deadlinestep",
    "teams.view_enginehealth",
    "teams.view_risk",
    "teams.view_mitigation",
    "teams.view_riskchange",
    "teams.view_playbook",
    "teams.view_playbookversion",
    "teams.view_playbookstakeholder",
    "teams.view_playbookrun",
    "postmortems.view_postmortem",
    "postmortems.view_postmortemrevision",
    "postmortems.view_reviewcomment",
    "postmortems.view_keyevent",
    "postmortems.view_actionitem",
    "postmortems.view_exportjob",
    "teams.view_notification",
    "teams.view_delivery",
    "teams.view_deliveryattempt",
    "incidents.view_referencecounter",
    "teams.view_notificationpreference",
    "teams.change_notificationpreference",
    "communications.view_threadpart",
    "communications.view_inboundpostevent",
    "communications.view_alert",
    "drills.view_drillrun",
    "communications.view_termvolumebucket",
    "communications.view_publishingpause",
    "communications.view_volumebucket",
    "teams.add_rostermember",
    "teams.delete_rostermember",
    "teams.add_oncallshift",
    "teams.delete_oncallshift",
    "teams.add_stakeholdergroup",
    "teams.add_stakeholdercontact",
    "teams.change_stakeholdercontact",
    "teams.delete_stakeholdercontact",
    "teams.add_communicationplanentry",
    "teams.change_communicationplanentry",
    "teams.delete_communicationplanentry",
    "teams.add_user",
    "teams.view_user",
    "auth.view_group",
    "teams.view_personchange",
    "incidents.view_incident",
    "incidents.view_timelineevent",
    "incidents.view_claim",
    "incidents.view_checklistitem",
    "incidents.add_tag",
    "incidents.change_tag",
    "incidents.view_tag",
}

GROUP_PERMISSIONS: dict[str, frozenset[str]] = {
    RESPONDER: frozenset(_RESPONDER),
    MANAGER: frozenset(_MANAGER),
    ADMIN: frozenset(_ADMIN),
}


def beyond_responder(permissions: Iterable[str]) -> set[str]:
    """Of these permissions, those a responder does not hold. An admin who is not a superuser
    hands out no more than a responder's rights (teams.security.services.account_change_check):
    otherwise one admin could make a second approver of their own."""
    return set(permissions) - GROUP_PERMISSIONS[RESPONDER]


def holds(user: AnyUser | None, permission: str) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(permission))


def require(user: AnyUser, permission: str, *, unless: bool = False) -> None:
    """Raise NotPermitted unless the user holds the permission (or ``unless`` grants it, e.g.
    being the incident's own crisis lead)."""
    if not (unless or holds(user, permission)):
        raise NotPermitted(
            _("Your role does not allow you to %(action)s.")
            % {"action": ACTIONS.get(permission, permission)}
        )


def is_admin(user: AnyUser) -> bool:
    """An admin: in the Admin group, whose mark is managing people, or a superuser (who holds
    every permission)."""
    return holds(user, MANAGE_PEOPLE)


def needs_two_factor(user: AnyUser) -> bool:
    """Whether the person must sign in with a second factor: their role lets them approve
    outgoing messages or manage the social accounts (superusers hold every permission)."""
    return any(holds(user, permission) for permission in TWO_FACTOR_PERMISSIONS)


def sync_groups(apps: Apps, schema_editor: BaseDatabaseSchemaEditor | None = None) -> None:
    """Make the groups hold exactly the matrix's permissions (idempotent; run after migrate).

    Permissions whose model does not exist yet at this point of the migration history are
    skipped; the migration that adds the model syncs again.
    """
    for app_config in apps.get_app_configs():
        # Migration-state app configs have no models module, which create_permissions
        # skips; lend them one for the call. The project's real app configs are untouched.
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True  # type: ignore[assignment]
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = original

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions(Permission, wanted))


def _permissions(Permission: Any, names: Iterable[str]) -> list[Any]:
    found = []
    for name in names:
        app_label, codename = name.split(".", 1)
        found.extend(
            Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        )
    return found


def matrix_markdown() -> str:
    """The permission matrix as the Markdown table the README shows."""
    lines = [
        "| action | permission | " + " | ".join(GROUPS) + " |",
        "| --- | --- |" + " :---: |" * len(GROUPS),
    ]
    for permission, action in ACTIONS.items():
        marks = " | ".join("yes" if permission in GROUP_PERMISSIONS[g] else "—" for g in GROUPS)
        lines.append(f"| {action} | `{permission}` | {marks} |")
    return "\n".join(lines)
