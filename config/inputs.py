"""Reading what a person typed or a client sent into values the database can hold: ids and
times. Forms, serializers and selectors ask here, so the limits are stated once."""

from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The largest id PostgreSQL's bigint (Django's BigAutoField) holds.
MAX_ID = 2**63 - 1
# A time must convert to UTC, and to every viewer's zone, and back: a day inside Python's
# (and so the driver's) calendar on each side.
EARLIEST = datetime.min.replace(tzinfo=UTC) + timedelta(days=1)
LATEST = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)


def id_from(value: Any) -> int | None:
    """The id in a query parameter or a field: a whole number in ASCII digits, from 1 up to
    what an id column holds. None for anything else ("", "²", "1e3", a number too large)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value or "").strip()
        # str.isdigit() accepts "²" and other digits int() refuses: ASCII only.
        if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
            return None
        number = int(text)
    return number if 1 <= number <= MAX_ID else None


def validate_storable_time(value: datetime | None) -> None:
    """Refuse a time that cannot be stored and shown: near the ends of the calendar a typed
    local time overflows once converted to UTC or to a viewer's zone."""
    if value is None:
        return
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not EARLIEST <= value <= LATEST:
        raise ValidationError(
            _("This date is too far in the past or in the future."), code="out_of_range"
        )
