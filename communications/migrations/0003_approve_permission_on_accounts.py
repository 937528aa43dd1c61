from django.db import migrations

from config.permissions import sync_groups


def move_permission(apps, schema_editor):
    """communications.approve_message now belongs to social accounts: drop the old
    placeholder's content type (and its permission), then give the groups the new one."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="communications", model="communicationsrights").delete()
    sync_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("communications", "0002_accounts_messages_approvals_mentions"),
        ("teams", "0005_groups_for_teams"),
    ]

    operations = [migrations.RunPython(move_permission, migrations.RunPython.noop)]
