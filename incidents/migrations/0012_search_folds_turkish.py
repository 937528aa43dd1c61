from django.db import migrations

# The incident search now compares Turkish folded alike on both sides (config.search:
# "istanbul" finds "İstanbul"): the trigram indexes hold the folded title and summary instead
# of their upper case, so PostgreSQL still answers a search without scanning the table. The
# expression is config.search.fold_sql's as it stands today (a migration keeps its own copy).
FOLD = (
    "replace(replace(replace(replace(replace(upper(replace(replace(replace({}, 'İ', 'I'), "
    "'i', 'I'), 'ı', 'I')), 'Ç', 'C'), 'Ş', 'S'), 'Ğ', 'G'), 'Ö', 'O'), 'Ü', 'U')"
)
UP = f"""
CREATE EXTENSION IF NOT EXISTS pg_trgm;
DROP INDEX IF EXISTS incident_title_trgm;
DROP INDEX IF EXISTS incident_summary_trgm;
CREATE INDEX IF NOT EXISTS incident_title_folded_trgm
    ON incidents_incident USING gin ({FOLD.format("title")} gin_trgm_ops);
CREATE INDEX IF NOT EXISTS incident_summary_folded_trgm
    ON incidents_incident USING gin ({FOLD.format("summary")} gin_trgm_ops);
"""
DOWN = """
DROP INDEX IF EXISTS incident_title_folded_trgm;
DROP INDEX IF EXISTS incident_summary_folded_trgm;
CREATE INDEX IF NOT EXISTS incident_title_trgm
    ON incidents_incident USING gin (UPPER(title) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS incident_summary_trgm
    ON incidents_incident USING gin (UPPER(summary) gin_trgm_ops);
"""


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UP)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DOWN)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0011_checklist_item_meets")]

    operations = [migrations.RunPython(up, down)]
