"""Forms of the stakeholder pages and the war-room panels. They parse input; services decide."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import DATETIME_LOCAL, DateTimeField
from incidents.models import Severity
from teams.models import Channel, Department, StakeholderGroup

from .services import BRIEFING_MAX_LENGTH, SUMMARY_MAX_LENGTH, WITHIN_MINUTES_MAX


def _groups() -> Any:
    return StakeholderGroup.objects.order_by("name")


class StakeholderGroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    kind = forms.ChoiceField(label=_("Kind"), choices=StakeholderGroup.Kind.choices)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who belongs to the group and what they care about in a crisis."),
    )


class StakeholderContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    organisation = forms.CharField(label=_("Organisation"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    preferred_channel = forms.ChoiceField(
        label=_("Preferred channel"), choices=Channel.choices, initial=Channel.EMAIL
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PlanEntryForm(forms.Form):
    severity = forms.TypedChoiceField(label=_("Severity"), choices=Severity.choices, coerce=int)
    group = forms.ModelChoiceField(
        label=_("Group"),
        queryset=_groups(),
        error_messages={"invalid_choice": _("Choose one of the stakeholder groups.")},
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    within_minutes = forms.IntegerField(
        label=_("Within (minutes)"),
        min_value=1,
        max_value=WITHIN_MINUTES_MAX,
        help_text=_(
            "From the moment the incident reaches this severity: 60 is an hour, 1440 a day."
        ),
    )
    notes = forms.CharField(
        label=_("What to tell"),
        max_length=300,
        required=False,
        help_text=_("Shown on the incident's checklist item."),
    )


class StakeholderUpdateForm(forms.Form):
    group = forms.ModelChoiceField(
        label=_("Group"),
        queryset=_groups(),
        error_messages={"invalid_choice": _("Choose one of the stakeholder groups.")},
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    told_at = DateTimeField(
        label=_("Told at"),
        required=False,
        widget=DATETIME_LOCAL,
        help_text=_("Back-date it to when they were told; leave empty for now."),
    )
    summary = forms.CharField(
        label=_("What was said"),
        required=False,
        max_length=SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StaffBriefingForm(forms.Form):
    text = forms.CharField(
        label=_("Briefing"),
        max_length=BRIEFING_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("What staff should know, and what to say if asked…")}
        ),
    )
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments"),
        queryset=Department.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("None chosen: everyone."),
        error_messages={"invalid_choice": _("Choose among the departments listed.")},
    )
