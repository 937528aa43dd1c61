"""The wording rules Crisis Desk starts with (communications.migrations.0021), put back when a
test that empties the tables (a browser test) ran before on the same database."""

import importlib
from typing import Any

from communications.models import WordingRule

STARTING = importlib.import_module("communications.migrations.0021_starting_wording_rules")
STARTING_RULES: list[dict[str, Any]] = STARTING.STARTING_RULES


def starting_rules() -> dict[str, WordingRule]:
    """The starting rules by name, as the migration writes them."""
    rules = {}
    for fields in STARTING_RULES:
        rule, _ = WordingRule.objects.update_or_create(
            name=fields["name"], defaults={**fields, "is_active": True}
        )
        rules[rule.name] = rule
    return rules
