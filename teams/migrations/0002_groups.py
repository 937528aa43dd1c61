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


class Migration(migrations.Migration):
    """Create the Responder, Manager and Admin groups from the permission matrix."""

    dependencies = [
        ("teams", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("incidents", "0002_initial"),
        ("communications", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_groups, migrations.RunPython.noop)]
