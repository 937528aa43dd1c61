"""The incident filters, shared by the list page and the list endpoint."""

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from config.ordering import OrderingFilter
from config.search import fold

from .models import OPEN_STATUSES, Category, Incident, IncidentQuerySet, Severity, Source, Status


class OpenOrEndedSelect(forms.NullBooleanSelect):
    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs)
        self.choices = [
            ("unknown", _("Open and ended")),
            ("true", _("Open only")),
            ("false", _("Ended only")),
        ]


DRILLS_ONLY, REAL_ONLY = "yes", "no"
DRILL_CHOICES = [(DRILLS_ONLY, _("Drills only")), (REAL_ONLY, _("Real incidents only"))]

DATE = forms.DateInput(attrs={"type": "date"})
CHECKBOXES = forms.CheckboxSelectMultiple


class IncidentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", label=_("Search"), help_text=_("Reference, title or summary.")
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, label=_("Status"), widget=CHECKBOXES, distinct=False
    )
    open = django_filters.BooleanFilter(
        method="only_open", label=_("Open or ended"), widget=OpenOrEndedSelect
    )
    drill = django_filters.ChoiceFilter(
        choices=DRILL_CHOICES,
        method="drills",
        label=_("Drills"),
        empty_label=_("Drills and real incidents"),
        help_text=_("A drill is a rehearsal, numbered DRILL-…"),
    )
    severity = django_filters.MultipleChoiceFilter(
        choices=Severity.choices, label=_("Severity"), widget=CHECKBOXES, distinct=False
    )
    category = django_filters.MultipleChoiceFilter(
        choices=Category.choices, label=_("Category"), widget=CHECKBOXES, distinct=False
    )
    source = django_filters.MultipleChoiceFilter(
        choices=Source.choices, label=_("Source"), widget=CHECKBOXES, distinct=False
    )
    tag = django_filters.CharFilter(field_name="tags__name", label=_("Tag"))
    detected_after = django_filters.DateFilter(
        field_name="detected_at",
        lookup_expr="date__gte",
        label=_("Detected on or after"),
        widget=DATE,
    )
    detected_before = django_filters.DateFilter(
        field_name="detected_at",
        lookup_expr="date__lte",
        label=_("Detected on or before"),
        widget=DATE,
    )
    ordering = OrderingFilter(
        fields=(
            ("detected_at", "detected_at"),
            ("severity", "severity"),
            ("status", "status"),
            ("reference", "reference"),
            ("updated_at", "updated_at"),
            ("title", "title"),
        ),
        field_labels={
            "detected_at": _("Detected"),
            "severity": _("Severity"),
            "status": _("Status"),
            "reference": _("Reference"),
            "updated_at": _("Last change"),
            "title": _("Title"),
        },
        label=_("Sort by"),
        empty_label=_("Newest first"),
    )

    class Meta:
        model = Incident
        fields = ["q", "status", "open", "drill", "severity", "category", "source", "tag"]

    def search(self, queryset: QuerySet[Incident], name: str, value: str) -> QuerySet[Incident]:
        value = value.strip()
        if not value:
            return queryset
        folded = fold(value)
        return queryset.filter(
            # References are stored upper-case: an exact match uses the unique index.
            Q(reference=value.upper())
            | Q(title__folded__contains=folded)
            | Q(summary__folded__contains=folded)
        )

    def only_open(
        self, queryset: QuerySet[Incident], name: str, value: bool | None
    ) -> QuerySet[Incident]:
        if value is None:
            return queryset
        if value:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.exclude(status__in=OPEN_STATUSES)

    # django-filter calls this only with a valid, non-empty value.
    def drills(self, queryset: IncidentQuerySet, name: str, value: str) -> QuerySet[Incident]:
        return queryset.rehearsals() if value == DRILLS_ONLY else queryset.real()

    def filter_queryset(self, queryset: QuerySet[Incident]) -> QuerySet[Incident]:
        queryset = super().filter_queryset(queryset)
        if "tag" in self.data and self.data.get("tag"):
            # A join on tags can repeat an incident; the page counts each once.
            queryset = queryset.distinct()
        return queryset
