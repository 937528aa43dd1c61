"""The mention filters, shared by the triage queue and the list endpoint."""

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from communications.accounts.models import SocialAccount
from communications.listening.mentions.services import OPEN
from communications.listening.models import InboundPost, InboundPostQuerySet
from config.search import every_word
from incidents.models import Incident

T = InboundPost.Triage
CHECKBOXES = forms.CheckboxSelectMultiple


class EitherSelect(forms.NullBooleanSelect):
    """A yes / no / either choice with words that fit the question."""

    def __init__(self, either: Any, yes: Any, no: Any) -> None:  # lazily translated strings
        super().__init__()
        self.choices = [("unknown", either), ("true", yes), ("false", no)]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        # Django's select reads any other value as "either"; YesNoField refuses it instead.
        value = data.get(name)
        return {None: None, "": None, "unknown": None, "true": True, "false": False}.get(
            value, value
        )


class YesNoField(forms.NullBooleanField):
    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]
        if value is None or isinstance(value, bool):
            return value
        raise forms.ValidationError(_("Choose true, false or unknown (either)."), code="invalid")


@extend_schema_field({"type": "string", "enum": ["true", "false", "unknown"]})
class YesNoFilter(django_filters.BooleanFilter):
    """true, false, or unknown (either); anything else is refused."""

    field_class = YesNoField


class MentionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", label=_("Search"), help_text=_("Text, author handle or name.")
    )
    open = YesNoFilter(
        method="only_open",
        label=_("Waiting"),
        help_text=_("Waiting: new, needs reply or escalated."),
        widget=EitherSelect(_("Waiting and decided"), _("Waiting only"), _("Decided only")),
    )
    triage = django_filters.MultipleChoiceFilter(
        choices=T.choices, label=_("Triage"), widget=CHECKBOXES, distinct=False
    )
    account = django_filters.ModelChoiceFilter(
        queryset=SocialAccount.objects.order_by("handle"), label=_("Account")
    )
    incident = django_filters.ModelChoiceFilter(
        queryset=Incident.objects.all(), label=_("Incident")
    )
    linked = YesNoFilter(
        field_name="incident",
        lookup_expr="isnull",
        exclude=True,
        label=_("Linked to an incident"),
        widget=EitherSelect(_("Linked or not"), _("Linked"), _("Not linked yet")),
    )
    origin = django_filters.ChoiceFilter(
        choices=InboundPost.Origin.choices, label=_("Found by"), empty_label=_("Any way")
    )
    mine = YesNoFilter(
        method="assigned_to_me",
        label=_("Assigned to me"),
        widget=EitherSelect(_("Anyone's"), _("Mine"), _("Not mine")),
    )
    drill = YesNoFilter(
        method="drills",
        label=_("Drill posts"),
        help_text=_("A drill's posts are played from its scenario; they are never real."),
        widget=EitherSelect(_("Real and drill posts"), _("Drill posts only"), _("Real posts only")),
    )
    overdue = YesNoFilter(
        method="only_overdue",
        label=_("Overdue"),
        help_text=_("Overdue: still waiting past its reply deadline."),
        widget=EitherSelect(_("Overdue or not"), _("Overdue only"), _("Not overdue")),
    )

    class Meta:
        model = InboundPost
        fields = ["q", "open", "triage", "account", "incident", "linked", "origin", "drill"]

    def search(
        self, queryset: QuerySet[InboundPost], name: str, value: str
    ) -> QuerySet[InboundPost]:
        value = value.strip().lstrip("@")
        if not value:
            return queryset
        # Every word in the text or the author's name (config.search), or the handle.
        return queryset.filter(
            every_word(value, "text", "author_name") | Q(author_handle__iexact=value)
        )

    # django-filter calls these only with a value: never None.
    def only_open(
        self, queryset: QuerySet[InboundPost], name: str, value: bool
    ) -> QuerySet[InboundPost]:
        if value:
            return queryset.filter(triage__in=OPEN)
        return queryset.exclude(triage__in=OPEN)

    def assigned_to_me(
        self, queryset: QuerySet[InboundPost], name: str, value: bool
    ) -> QuerySet[InboundPost]:
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return queryset
        if value:
            return queryset.filter(assignee=user)
        return queryset.exclude(assignee=user)

    def drills(
        self, queryset: InboundPostQuerySet, name: str, value: bool
    ) -> QuerySet[InboundPost]:
        return queryset.rehearsals() if value else queryset.real()

    def only_overdue(
        self, queryset: QuerySet[InboundPost], name: str, value: bool
    ) -> QuerySet[InboundPost]:
        late = Q(triage__in=OPEN, reply_due_at__lt=timezone.now())
        return queryset.filter(late) if value else queryset.exclude(late)
