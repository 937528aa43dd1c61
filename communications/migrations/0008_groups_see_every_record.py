from django.db import migrations

from config.permissions import sync_groups


class Migration(migrations.Migration):
    """Admins may look up every record in the admin site (thread parts, mention history,
    delivery attempts, notification preferences)."""

    dependencies = [
        ("communications", "0007_mention_history"),
        ("teams", "0007_mention_assigned_reason"),
    ]

    operations = [migrations.RunPython(sync_groups, migrations.RunPython.noop)]
