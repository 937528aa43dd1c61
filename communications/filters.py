"""Filters of messages and of the communications log, for the pages and the API.

A message is in the log as of ``logged_at`` (communications.selectors.message_log: when it
last mattered); the log's dates filter on that on the page, in its CSV and in the API alike.
"""

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from communications.listening.mentions.filters import EitherSelect, YesNoFilter
from communications.messaging.lifecycle import LOGGED
from config.inputs import MAX_ID

from .models import Message, PublishingPause, SocialAccount, WordingRule

DATE = forms.DateInput(attrs={"type": "date"})


class LoggedBetween(django_filters.FilterSet):
    after = django_filters.DateFilter(
        field_name="logged_at", lookup_expr="date__gte", label=_("From"), widget=DATE
    )
    before = django_filters.DateFilter(
        field_name="logged_at", lookup_expr="date__lte", label=_("To"), widget=DATE
    )

    class Meta:
        model = Message
        fields: list[str] = []


class MessageLogFilter(LoggedBetween):
    """The log page and its CSV export."""

    incident = django_filters.CharFilter(
        method="by_reference", label=_("Incident"), help_text=_("Its reference.")
    )
    account = django_filters.ModelChoiceFilter(
        queryset=SocialAccount.objects.order_by("handle"),
        label=_("Account"),
        empty_label=_("All accounts"),
    )
    kind = django_filters.ChoiceFilter(
        choices=Message.Kind.choices, label=_("Kind"), empty_label=_("All kinds")
    )
    status = django_filters.ChoiceFilter(
        choices=[(value, label) for value, label in Message.Status.choices if value in LOGGED],
        label=_("Status"),
        empty_label=_("All"),
    )

    class Meta:
        model = Message
        fields = ["incident", "account", "kind", "status"]

    def by_reference(self, queryset: QuerySet[Message], name: str, value: str) -> QuerySet[Message]:
        value = value.strip()
        if not value:
            return queryset
        # References are stored upper-case: an exact match uses the unique index.
        return queryset.filter(incident__reference=value.upper())


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """An object by its id: a whole number an id column can hold (an unknown one matches
    nothing)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


class MessageFields(django_filters.FilterSet):
    """What the API filters messages by, in the log and out of it."""

    incident = IdFilter(field_name="incident_id")
    reference = django_filters.CharFilter(field_name="incident__reference")
    account = IdFilter(field_name="account_id")
    kind = django_filters.MultipleChoiceFilter(choices=Message.Kind.choices, distinct=False)
    status = django_filters.MultipleChoiceFilter(choices=Message.Status.choices, distinct=False)

    class Meta:
        model = Message
        fields = ["incident", "reference", "account", "kind", "status"]


class MessageFilter(MessageFields):
    """/api/v1/messages/: also by when they were drafted."""

    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")


class LogFilter(MessageFields, LoggedBetween):
    """/api/v1/log/: by when they were logged, as on the page."""

    class Meta(MessageFields.Meta):
        pass


class PauseFilter(django_filters.FilterSet):
    """The publishing pauses: in force or ended."""

    active = YesNoFilter(
        field_name="resumed_at",
        lookup_expr="isnull",
        label=_("In force"),
        help_text=_("true: only the pauses in force; false: only those ended."),
        widget=EitherSelect(_("All pauses"), _("In force"), _("Ended")),
    )

    class Meta:
        model = PublishingPause
        fields: list[str] = []


class WordingRuleFilter(django_filters.FilterSet):
    """The wording rules: by kind, what they look for, in force or retired."""

    kind = django_filters.ChoiceFilter(choices=WordingRule.Kind.choices, label=_("Kind"))
    shape = django_filters.ChoiceFilter(
        choices=WordingRule.Shape.choices, label=_("What it looks for")
    )
    is_active = YesNoFilter(
        label=_("In force"),
        help_text=_("true: only the rules in force; false: only those retired."),
        widget=EitherSelect(_("All rules"), _("In force"), _("Retired")),
    )

    class Meta:
        model = WordingRule
        fields: list[str] = []
