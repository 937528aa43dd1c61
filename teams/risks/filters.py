"""The risk register's filters, for its page, its heat map and the API alike: every value is
checked, and one that is not understood is refused naming the parameter (a 400 in the API, a
message beside the filter on the page), never read as "no filter"."""

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.ordering import OrderingFilter
from config.search import every_word
from incidents.models import Category
from teams.models import Risk
from teams.models.risk_rules import BANDS, band_range
from teams.schedule.filters import IdFilter, PersonFilter, YesNoFilter

ORDERINGS = (
    ("score_value", _("score")),
    ("review_at", _("next review")),
    ("title", _("title")),
    ("status", _("status")),
    ("created_at", _("recorded")),
)


class RiskFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", max_length=200, label=_("Search"), help_text=_("Words in the title.")
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Risk.Status.choices, distinct=False, label=_("Status")
    )
    category = django_filters.MultipleChoiceFilter(
        choices=Category.choices, distinct=False, label=_("Category")
    )
    band = django_filters.MultipleChoiceFilter(
        choices=[(band.name, band.label) for band in BANDS],
        method="in_band",
        label=_("Band"),
    )
    owner = PersonFilter(method="owned_by", label=_("Owner"), help_text=_("The owner's id, or me."))
    overdue = YesNoFilter(
        method="review_overdue",
        label=_("Review overdue"),
        help_text=_("Its review date has passed (retired risks are never overdue)."),
    )
    playbook = IdFilter(field_name="playbook_id", label=_("Playbook"), help_text=_("Its id."))
    ordering = OrderingFilter(
        fields=[(name, name) for name, _label in ORDERINGS],
        field_labels=dict(ORDERINGS),
        label=_("Sort by"),
    )

    class Meta:
        model = Risk
        fields = ["q", "status", "category", "band", "owner", "overdue", "playbook"]

    # django-filter calls these only with a value: never None.
    def search(self, queryset: QuerySet[Risk], name: str, value: str) -> QuerySet[Risk]:
        return queryset.filter(every_word(value, "title"))

    def in_band(self, queryset: QuerySet[Risk], name: str, value: list[str]) -> QuerySet[Risk]:
        if not value:
            return queryset
        wanted = Q()
        for band in value:
            lowest, highest = band_range(band)
            wanted |= Q(score_value__gte=lowest, score_value__lte=highest)
        return queryset.filter(wanted)

    def owned_by(self, queryset: QuerySet[Risk], name: str, value: int | str) -> QuerySet[Risk]:
        if isinstance(value, int):
            return queryset.filter(owner_id=value)
        return queryset.filter(owner_id=getattr(getattr(self.request, "user", None), "pk", 0))

    def review_overdue(self, queryset: QuerySet[Risk], name: str, value: bool) -> QuerySet[Risk]:
        late = Q(review_at__lt=timezone.now()) & ~Q(status=Risk.Status.RETIRED)
        return queryset.filter(late) if value else queryset.exclude(late)


class _OneOf(forms.Select):
    """A drop-down for a filter that takes several values: the page sends one (or none)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        getter = getattr(data, "getlist", None)
        return getter(name) if getter else data.get(name)


class _AnyOfField(django_filters.fields.MultipleChoiceField):
    """The page's "All" option sends an empty value: no filter, not a wrong one."""

    def clean(self, value: Any) -> Any:
        return super().clean([item for item in (value or []) if item != ""])


class _AnyOfFilter(django_filters.MultipleChoiceFilter):
    field_class = _AnyOfField


def _any_of(choices: Any, label: Any, **kwargs: Any) -> _AnyOfFilter:
    return _AnyOfFilter(choices=[("", _("All")), *choices], widget=_OneOf, label=label, **kwargs)


class RiskPageFilter(RiskFilter):
    """The same filters on the register's page: drop-downs, an "All" in each."""

    status = _any_of(Risk.Status.choices, _("Status"), distinct=False)
    category = _any_of(Category.choices, _("Category"), distinct=False)
    band = _any_of([(band.name, band.label) for band in BANDS], _("Band"), method="in_band")
    overdue = YesNoFilter(
        method="review_overdue",
        label=_("Review overdue"),
        widget=forms.Select(choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))]),
    )
