from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations

# The groups' permissions as the permission matrix (config.permissions) gave them when this
# copy was made, so this migration does the same whatever the matrix becomes. After every
# migrate, teams' post_migrate hook syncs the groups to the matrix of the day.
_RESPONDER = {
    "communications.add_message",
    "communications.change_inboundpost",
    "incidents.add_checklistitem",
    "incidents.add_claim",
    "incidents.add_incident",
    "incidents.add_timelineevent",
    "incidents.change_checklistitem",
    "incidents.change_claim",
    "incidents.change_incident",
    "postmortems.change_actionitem",
    "postmortems.change_postmortem",
    "teams.add_stakeholderupdate",
    "teams.change_deadline",
}
_MANAGER = _RESPONDER | {
    "communications.add_publishingpause",
    "communications.approve_message",
    "communications.change_template",
    "incidents.manage_incident",
    "postmortems.publish_postmortem",
    "teams.add_roleassignment",
    "teams.add_staffbriefing",
    "teams.change_drill",
    "teams.change_oncallshift",
    "teams.change_playbook",
    "teams.change_risk",
    "teams.change_rostermember",
    "teams.change_stakeholdergroup",
}
_ADMIN = _MANAGER | {
    "auth.view_group",
    "axes.delete_accessattempt",
    "axes.view_accessattempt",
    "axes.view_accesslog",
    "communications.add_socialaccount",
    "communications.add_watchterm",
    "communications.change_socialaccount",
    "communications.change_watchterm",
    "communications.delete_watchterm",
    "communications.view_alert",
    "communications.view_approval",
    "communications.view_drillrun",
    "communications.view_inboundpost",
    "communications.view_inboundpostevent",
    "communications.view_message",
    "communications.view_publishingpause",
    "communications.view_socialaccount",
    "communications.view_template",
    "communications.view_termvolumebucket",
    "communications.view_threadpart",
    "communications.view_volumebucket",
    "incidents.add_tag",
    "incidents.change_tag",
    "incidents.view_checklistitem",
    "incidents.view_claim",
    "incidents.view_incident",
    "incidents.view_referencecounter",
    "incidents.view_tag",
    "incidents.view_timelineevent",
    "postmortems.view_actionitem",
    "postmortems.view_exportjob",
    "postmortems.view_keyevent",
    "postmortems.view_postmortem",
    "postmortems.view_postmortemrevision",
    "postmortems.view_reviewcomment",
    "teams.add_communicationplanentry",
    "teams.add_department",
    "teams.add_oncallshift",
    "teams.add_role",
    "teams.add_rostermember",
    "teams.add_stakeholdercontact",
    "teams.add_stakeholdergroup",
    "teams.add_user",
    "teams.change_communicationplanentry",
    "teams.change_department",
    "teams.change_notificationpreference",
    "teams.change_responsepolicy",
    "teams.change_role",
    "teams.change_stakeholdercontact",
    "teams.change_user",
    "teams.delete_communicationplanentry",
    "teams.delete_oncallshift",
    "teams.delete_rostermember",
    "teams.delete_stakeholdercontact",
    "teams.view_communicationplanentry",
    "teams.view_deadlinestep",
    "teams.view_delivery",
    "teams.view_deliveryattempt",
    "teams.view_department",
    "teams.view_drill",
    "teams.view_enginehealth",
    "teams.view_escalationstep",
    "teams.view_incidentplan",
    "teams.view_mitigation",
    "teams.view_notification",
    "teams.view_notificationpreference",
    "teams.view_oncallshift",
    "teams.view_personchange",
    "teams.view_playbook",
    "teams.view_playbookrun",
    "teams.view_playbookstakeholder",
    "teams.view_playbookversion",
    "teams.view_risk",
    "teams.view_riskchange",
    "teams.view_role",
    "teams.view_roleassignment",
    "teams.view_rostermember",
    "teams.view_staffbriefing",
    "teams.view_stakeholdercontact",
    "teams.view_stakeholdergroup",
    "teams.view_stakeholderupdate",
    "teams.view_user",
}
GROUP_PERMISSIONS = {"Responder": _RESPONDER, "Manager": _MANAGER, "Admin": _ADMIN}


def sync_groups(apps, schema_editor=None):
    """Make the groups hold exactly these permissions. Permissions whose model does not exist
    yet at this point of the migration history are skipped."""
    for app_config in apps.get_app_configs():
        # Migration-state app configs have no models module, which create_permissions skips;
        # lend them one for the call.
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
        found = []
        for permission in wanted:
            app_label, codename = permission.split(".", 1)
            found.extend(
                Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(found)


# The default response policies (teams.catalogue) as they stood when this copy was made.
POLICY_DEFAULTS = {
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


def policies_ensure(apps, schema_editor=None):
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


class Migration(migrations.Migration):
    """A response policy per severity with sensible defaults, and who may edit them."""

    dependencies = [("teams", "0009_response_schedule")]

    operations = [
        migrations.RunPython(policies_ensure, migrations.RunPython.noop),
        migrations.RunPython(sync_groups, migrations.RunPython.noop),
    ]
