from django.db import migrations

from config.permissions import sync_groups


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
