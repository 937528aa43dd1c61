"""The filters of the postmortem and action item endpoints: every value is checked, and one
that is not understood is a 400 naming the parameter (never read as "no filter")."""

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from teams.schedule.filters import IdFilter, PersonFilter, YesNoFilter

from .models import ActionItem, Postmortem
from .selectors import OPEN_ITEM_STATUSES


def _person_id(request: HttpRequest, value: int | str) -> int:
    """The id a person filter names: a number, or "me" for the caller."""
    if isinstance(value, int):
        return value
    return getattr(getattr(request, "user", None), "pk", None) or 0


class PostmortemFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Postmortem.Status.choices, distinct=False)
    incident = IdFilter(field_name="incident_id", help_text=_("The incident's id."))
    owner = PersonFilter(
        method="owned_by", help_text=_("The owner's id, or me for the caller's postmortems.")
    )

    class Meta:
        model = Postmortem
        fields = ["status", "incident", "owner"]

    # django-filter calls these only with a value: never None.
    def owned_by(self, queryset: QuerySet[Postmortem], name: str, value: int | str) -> Any:
        return queryset.filter(owner_id=_person_id(self.request, value))


class ActionItemFilter(django_filters.FilterSet):
    owner = PersonFilter(
        method="owned_by", help_text=_("The owner's id, or me for the caller's action items.")
    )
    overdue = YesNoFilter(
        method="only_overdue", help_text=_("Overdue: still open past its due date.")
    )
    status = django_filters.MultipleChoiceFilter(choices=ActionItem.Status.choices, distinct=False)
    postmortem = IdFilter(field_name="postmortem_id", help_text=_("The postmortem's id."))

    class Meta:
        model = ActionItem
        fields = ["owner", "overdue", "status", "postmortem"]

    def owned_by(self, queryset: QuerySet[ActionItem], name: str, value: int | str) -> Any:
        return queryset.filter(owner_id=_person_id(self.request, value))

    def only_overdue(self, queryset: QuerySet[ActionItem], name: str, value: bool) -> Any:
        late = {"status__in": OPEN_ITEM_STATUSES, "due_date__lt": timezone.localdate()}
        return queryset.filter(**late) if value else queryset.exclude(**late)
