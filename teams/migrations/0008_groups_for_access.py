from django.db import migrations

from config.permissions import sync_groups


class Migration(migrations.Migration):
    """The Admin group no longer holds API tokens (it could act as their owners) and may unlock
    people locked out after failed logins (django-axes)."""

    dependencies = [
        ("teams", "0007_mention_assigned_reason"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(sync_groups, migrations.RunPython.noop)]
