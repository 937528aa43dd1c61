from django.db import migrations

POSTGRESQL_UP = """
CREATE OR REPLACE FUNCTION incidents_timeline_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the incident timeline is append-only: %% refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER incidents_timelineevent_append_only
    BEFORE UPDATE OR DELETE ON incidents_timelineevent
    FOR EACH ROW EXECUTE FUNCTION incidents_timeline_append_only();
"""
POSTGRESQL_DOWN = """
DROP TRIGGER IF EXISTS incidents_timelineevent_append_only ON incidents_timelineevent;
DROP FUNCTION IF EXISTS incidents_timeline_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER incidents_timelineevent_no_update BEFORE UPDATE ON incidents_timelineevent
    BEGIN SELECT RAISE(ABORT, 'the incident timeline is append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER incidents_timelineevent_no_delete BEFORE DELETE ON incidents_timelineevent
    BEGIN SELECT RAISE(ABORT, 'the incident timeline is append-only: DELETE refused'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS incidents_timelineevent_no_update;",
    "DROP TRIGGER IF EXISTS incidents_timelineevent_no_delete;",
]


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_UP)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DOWN)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    """The database itself refuses to change or delete a timeline event.

    On SQLite (laptops) a later migration that rebuilds the table drops these triggers;
    such a migration must create them again.
    """

    dependencies = [("incidents", "0002_initial")]

    operations = [migrations.RunPython(up, down)]
