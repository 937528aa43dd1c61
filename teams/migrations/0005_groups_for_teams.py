from django.db import migrations

from config.permissions import sync_groups


class Migration(migrations.Migration):
    """Give the groups the teams permissions of the matrix (roster, roles, stakeholders…)."""

    dependencies = [("teams", "0004_departments_and_roles")]

    operations = [migrations.RunPython(sync_groups, migrations.RunPython.noop)]
