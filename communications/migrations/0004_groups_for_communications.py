from django.db import migrations

from config.permissions import sync_groups


class Migration(migrations.Migration):
    """Give the groups the communications permissions of the matrix."""

    dependencies = [("communications", "0003_approve_permission_on_accounts")]

    operations = [migrations.RunPython(sync_groups, migrations.RunPython.noop)]
