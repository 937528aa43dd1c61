"""Who may do what: the one permission matrix of Crisis Desk.

Groups are synced from GROUP_PERMISSIONS by data migrations (``sync_groups``); services call
``require`` so the pages and the API obey the same rules. Anyone logged in may read.
"""

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from config.errors import NotPermitted

RESPONDER = "Responder"
MANAGER = "Manager"
ADMIN = "Admin"
GROUPS = (RESPONDER, MANAGER, ADMIN)

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

# What each permission allows, in the words the README's matrix uses.
ACTIONS: dict[str, Any] = {
    DECLARE_INCIDENT: _("declare an incident"),
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
    APPROVE_MESSAGE: _("approve or reject outgoing messages (never one's own)"),
    MANAGE_PEOPLE: _("manage people, groups and reference data in the admin site"),
}

_RESPONDER = {
    DECLARE_INCIDENT,
    EDIT_INCIDENT,
    ADD_NOTE,
    ADD_CLAIM,
    VERIFY_CLAIM,
    ADD_CHECKLIST_ITEM,
    WORK_CHECKLIST_ITEM,
}
_MANAGER = _RESPONDER | {MANAGE_INCIDENT, APPROVE_MESSAGE}
_ADMIN = _MANAGER | {
    MANAGE_PEOPLE,
    "teams.add_user",
    "teams.view_user",
    "auth.view_group",
    "auth.change_group",
    "authtoken.add_token",
    "authtoken.view_token",
    "authtoken.delete_token",
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


def require(user: Any, permission: str) -> None:
    """Raise NotPermitted unless the user holds the permission."""
    if not (user and user.is_authenticated and user.is_active and user.has_perm(permission)):
        raise NotPermitted(
            _("Your role does not allow you to %(action)s.")
            % {"action": ACTIONS.get(permission, permission)}
        )


def sync_groups(apps: Any, schema_editor: Any = None) -> None:
    """Make the groups hold exactly the matrix's permissions (idempotent; used by migrations).

    Permissions whose model does not exist yet at this point of the migration history are
    skipped; the migration that adds the model syncs again.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # Migration-state app configs have no models module, which create_permissions
        # skips; lend them one for the call. The project's real app configs are untouched.
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
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
