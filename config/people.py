"""Who can still act: the one rule every layer asks before naming a person.

People are never deleted (the record names them); someone who left is made inactive. Pickers
offer only active people, and a service refuses to give work to anyone else.

``User`` is the type of a person for every layer: the user model (``teams.User``) lives above
config and incidents, which may not import it, so the type checker resolves this name to
whatever AUTH_USER_MODEL is; ``AnyUser`` is a request's user, who may not have signed in. Both
are type aliases only: this module imports no model, as config.permissions (which uses them) is
read before the models are.
"""

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from config.errors import ApplicationError

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, _User

type User = _User
type AnyUser = User | AnonymousUser


def active_people() -> QuerySet[User]:
    """Everyone who can log in, in name order: the people pickers offer them."""
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "username")


def person_require_active(person: User | None, *, field: str = "person") -> User:
    """The person can still log in, or a clear refusal on ``field``."""
    if person is None or not person.is_active:
        raise ApplicationError(
            _("%(person)s can no longer log in; choose someone else.") % {"person": person},
            field=field,
        )
    return person


def person_require_signed_in(user: AnyUser) -> User:
    """The person behind a request. Every page needs a signed-in person (LoginRequiredMiddleware)
    and every endpoint an authenticated one (IsAuthenticated), so this only names, for the type
    checker, the person those checks already let in."""
    if not user.is_authenticated:
        raise PermissionDenied
    return user
