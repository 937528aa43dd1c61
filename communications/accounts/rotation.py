"""Which accounts' credentials are due for rotation, stated once for the reminder, the
accounts page and the API."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from communications.accounts.models import SocialAccount


def rotation_due_condition(*, now: datetime | None = None) -> Q:
    """Credentials due for rotation, as a condition on SocialAccount: an account that really
    publishes (it has credentials) whose credentials were never rotated, or longer ago than
    CREDENTIALS_ROTATION_DAYS."""
    limit = (now or timezone.now()) - timedelta(days=settings.CREDENTIALS_ROTATION_DAYS)
    publishes = ~Q(auth_kind=SocialAccount.AuthKind.NONE) & ~Q(credentials_encrypted="")
    return publishes & (
        Q(credentials_rotated_at__isnull=True) | Q(credentials_rotated_at__lt=limit)
    )


def with_rotation_due(
    accounts: QuerySet[SocialAccount], *, now: datetime | None = None
) -> QuerySet[SocialAccount]:
    """The accounts, each with ``rotation_due`` (see rotation_due_condition)."""
    return accounts.annotate(
        rotation_due=ExpressionWrapper(rotation_due_condition(now=now), output_field=BooleanField())
    )
