"""The seed's COPY fills every column a new row needs, or stops naming the one it cannot."""

import pytest

from bench import seed
from incidents.models import ChecklistItem, Incident


def test_a_column_the_seed_does_not_list_gets_the_model_default():
    # is_drill came after the seed was written: the benchmark's incidents are real ones.
    assert "is_drill" not in seed.INCIDENT_FIELDS
    # language came later too: they speak the site's.
    assert seed.unlisted_defaults(Incident, seed.INCIDENT_FIELDS) == {
        "is_drill": False,
        "language": "en",
    }


def test_a_column_with_a_database_default_is_left_to_the_database():
    assert "key" not in seed.CHECKLIST_FIELDS
    assert seed.unlisted_defaults(ChecklistItem, seed.CHECKLIST_FIELDS) == {}


def test_a_not_null_column_without_any_default_stops_the_seed_by_name():
    fields = [f for f in seed.INCIDENT_FIELDS if f not in ("declared_by", "created_at")]

    with pytest.raises(seed.ColumnMissing) as missing:
        seed.unlisted_defaults(Incident, fields)

    assert str(missing.value) == (
        "incidents_incident: the benchmark's seed gives no value for declared_by_id, "
        "created_at (NOT NULL, no default); add it to the rows in bench/seed.py"
    )
