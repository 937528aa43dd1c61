from django.db import migrations

from config.permissions import sync_groups
from teams.catalogue import policies_ensure


class Migration(migrations.Migration):
    """A response policy per severity with sensible defaults, and who may edit them."""

    dependencies = [("teams", "0009_response_schedule")]

    operations = [
        migrations.RunPython(policies_ensure, migrations.RunPython.noop),
        migrations.RunPython(sync_groups, migrations.RunPython.noop),
    ]
