"""The deadline filters of the API: every value is checked, and one that is not understood is a
400 naming the parameter (never read as "no filter")."""

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from config.inputs import MAX_ID, id_from

from ..models import Deadline

ME = "me"


class YesNoField(forms.Field):
    """true or false; left empty, no filter."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        answer = {"true": True, "false": False}.get(str(value))
        if answer is None:
            raise forms.ValidationError(_("Give true or false."), code="invalid")
        return answer


@extend_schema_field({"type": "boolean"})
class YesNoFilter(django_filters.Filter):
    field_class = YesNoField


class IdField(forms.Field):
    """An object by its id: a whole number an id column can hold (an unknown one matches
    nothing)."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> int | None:
        if value in (None, ""):
            return None
        number = id_from(value)
        if number is None:
            raise forms.ValidationError(_("Give an id: a whole number from 1."), code="invalid")
        return number


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.Filter):
    field_class = IdField


class PersonField(forms.Field):
    """A person's id, or "me" for the caller."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> int | str | None:
        if value in (None, ""):
            return None
        if value == ME:
            return ME
        number = id_from(value)
        if number is None:
            raise forms.ValidationError(_("Give a person's id, or me."), code="invalid")
        return number


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            {"type": "string", "enum": [ME]},
        ]
    }
)
class PersonFilter(django_filters.Filter):
    field_class = PersonField


class DeadlineFilter(django_filters.FilterSet):
    incident = IdFilter(field_name="incident_id", help_text=_("The incident's id."))
    owner = PersonFilter(
        method="owned_by", help_text=_("The owner's id, or me for the deadlines the caller owns.")
    )
    open = YesNoFilter(method="only_open", help_text=_("Open: neither met nor cancelled."))
    overdue = YesNoFilter(
        method="only_overdue", help_text=_("Overdue: still open past its due time.")
    )
    kind = django_filters.MultipleChoiceFilter(choices=Deadline.Kind.choices, distinct=False)

    class Meta:
        model = Deadline
        fields = ["incident", "owner", "open", "overdue", "kind"]

    # django-filter calls these only with a value: never None.
    def owned_by(
        self, queryset: QuerySet[Deadline], name: str, value: int | str
    ) -> QuerySet[Deadline]:
        if isinstance(value, int):
            return queryset.filter(owner_id=value)
        user = getattr(self.request, "user", None)  # "me"
        return queryset.filter(owner_id=getattr(user, "pk", None) or 0)

    def only_open(self, queryset: QuerySet[Deadline], name: str, value: bool) -> QuerySet[Deadline]:
        still_open = Q(met_at__isnull=True, cancelled_at__isnull=True)
        return queryset.filter(still_open) if value else queryset.exclude(still_open)

    def only_overdue(
        self, queryset: QuerySet[Deadline], name: str, value: bool
    ) -> QuerySet[Deadline]:
        late = Q(met_at__isnull=True, cancelled_at__isnull=True, due_at__lt=timezone.now())
        return queryset.filter(late) if value else queryset.exclude(late)
