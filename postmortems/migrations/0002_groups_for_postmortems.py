from django.db import migrations

from config.permissions import sync_groups


class Migration(migrations.Migration):
    """Responders write postmortems and work action items; managers publish."""

    dependencies = [("postmortems", "0001_initial")]

    operations = [migrations.RunPython(sync_groups, migrations.RunPython.noop)]
