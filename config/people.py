"""Who can still act: the one rule every layer asks before naming a person.

People are never deleted (the record names them); someone who left is made inactive. Pickers
offer only active people, and a service refuses to give work to anyone else.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from config.errors import ApplicationError


def active_people() -> QuerySet[Any]:
    """Everyone who can log in, in name order: the people pickers offer them."""
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "username")


def person_require_active(person: Any, *, field: str = "person") -> Any:
    """The person can still log in, or a clear refusal on ``field``."""
    if person is None or not person.is_active:
        raise ApplicationError(
            _("%(person)s can no longer log in; choose someone else.") % {"person": person},
            field=field,
        )
    return person
