"""The communications log's filters, shared by the page and its CSV export."""

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .lifecycle import LOGGED
from .models import Message, SocialAccount

DATE = forms.DateInput(attrs={"type": "date"})


class MessageLogFilter(django_filters.FilterSet):
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
    after = django_filters.DateFilter(
        field_name="logged_at", lookup_expr="date__gte", label=_("From"), widget=DATE
    )
    before = django_filters.DateFilter(
        field_name="logged_at", lookup_expr="date__lte", label=_("To"), widget=DATE
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
