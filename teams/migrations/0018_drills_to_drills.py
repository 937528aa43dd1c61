"""Drill is the drills' model now (drills 0001): forgotten here, its tables kept."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("teams", "0017_approvers_short_reason"),
        ("communications", "0018_drill_runs_to_drills"),
        ("drills", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="Drill")],
        ),
    ]
