"""The risk register's forms: a risk, a mitigation, a review, and naming the risk an incident
realised."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import DATETIME_LOCAL, DateTimeField
from config.people import active_people
from incidents.models import Category
from teams.models import Mitigation, Playbook, Risk

LIKELIHOOD = [
    (1, _("1 — rare")),
    (2, _("2 — unlikely")),
    (3, _("3 — possible")),
    (4, _("4 — likely")),
    (5, _("5 — almost certain")),
]
IMPACT = [
    (1, _("1 — negligible")),
    (2, _("2 — minor")),
    (3, _("3 — moderate")),
    (4, _("4 — major")),
    (5, _("5 — severe")),
]


class RiskForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    likelihood = forms.TypedChoiceField(label=_("Likelihood"), choices=LIKELIHOOD, coerce=int)
    impact = forms.TypedChoiceField(label=_("Impact"), choices=IMPACT, coerce=int)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=active_people())
    status = forms.ChoiceField(label=_("Status"), choices=Risk.Status.choices)
    playbook = forms.ModelChoiceField(
        label=_("Playbook"),
        queryset=Playbook.objects.filter(archived_at__isnull=True),
        required=False,
        help_text=_("What to do when it happens."),
    )
    early_warning_signs = forms.CharField(
        label=_("Early-warning signs"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    watch_terms = forms.CharField(
        label=_("Watch terms"),
        required=False,
        help_text=_("Words to listen for, separated by commas or lines."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    review_at = DateTimeField(
        label=_("Next review"),
        widget=DATETIME_LOCAL,
        help_text=_("Your local time. Its owner is reminded before and escalated after."),
    )

    def __init__(self, *args: Any, risk: Risk | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if risk is not None and risk.playbook_id:
            # A risk keeps its playbook even once that playbook is archived.
            self.fields["playbook"].queryset = Playbook.objects.filter(  # type: ignore[attr-defined]
                archived_at__isnull=True
            ) | Playbook.objects.filter(pk=risk.playbook_id)

    def clean_watch_terms(self) -> list[str]:
        text = self.cleaned_data["watch_terms"].replace("\n", ",")
        return [term.strip() for term in text.split(",") if term.strip()]

    @staticmethod
    def initial_of(risk: Risk) -> dict[str, Any]:
        return {
            "title": risk.title,
            "description": risk.description,
            "category": risk.category,
            "likelihood": risk.likelihood,
            "impact": risk.impact,
            "owner": risk.owner_id,
            "status": risk.status,
            "playbook": risk.playbook_id,
            "early_warning_signs": risk.early_warning_signs,
            "watch_terms": ", ".join(risk.watch_terms),
            "review_at": risk.review_at,
        }


class MitigationForm(forms.Form):
    text = forms.CharField(label=_("Mitigation"), max_length=300)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=active_people())
    status = forms.ChoiceField(
        label=_("Status"), choices=Mitigation.Status.choices, initial=Mitigation.Status.PLANNED
    )


class MitigationStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Mitigation.Status.choices)


class ReviewForm(forms.Form):
    next_review_at = DateTimeField(
        label=_("Next review"), widget=DATETIME_LOCAL, help_text=_("Your local time.")
    )
    note = forms.CharField(label=_("What was found"), max_length=250, required=False)


class RealisedForm(forms.Form):
    risk = forms.ModelChoiceField(
        label=_("Risk"), queryset=Risk.objects.exclude(status=Risk.Status.RETIRED)
    )
