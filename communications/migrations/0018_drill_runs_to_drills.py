"""DrillRun is the drills' model now (drills 0001): forgotten here, its table kept."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("communications", "0017_the_last_gate"),
        ("drills", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="DrillRun")],
        ),
    ]
