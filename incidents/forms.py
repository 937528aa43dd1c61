"""Forms of the incident pages. They parse input; the services decide."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from config.forms import DATETIME_LOCAL, DateTimeField

from .models import (
    SEVERITY_DESCRIPTIONS,
    Category,
    ClaimStatus,
    Severity,
    Source,
    Status,
)


def severity_choices() -> list[tuple[int, str]]:
    """Each severity with its plain-words meaning, in the language active now."""
    return [
        (
            severity.value,
            format_html(
                '<strong>{}</strong> <span class="small text-body-secondary">{}</span>',
                severity.label,
                SEVERITY_DESCRIPTIONS[severity],
            ),
        )
        for severity in Severity
    ]


class SeverityField(forms.TypedChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=Severity.choices,
            coerce=int,
            widget=forms.RadioSelect,
            label=_("Severity"),
            **kwargs,
        )


class TagsField(forms.CharField):
    """Comma-separated tags in the form, a list of names for the services."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Tags"))
        kwargs.setdefault("help_text", _("Separate tags with commas."))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [part.strip() for part in text.split(",") if part.strip()]


class IncidentDetailsForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    severity = SeverityField()
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What is happening, who is affected, what is known so far."),
    )
    tags = TagsField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["severity"].choices = severity_choices()  # type: ignore[attr-defined]


class IncidentEditForm(IncidentDetailsForm):
    """Changing a running incident: a severity made lower says why."""

    language = forms.ChoiceField(
        label=_("Language of its public"),
        choices=settings.LANGUAGES,
        required=False,
        help_text=_("The composer offers templates in this language first."),
    )

    def clean_language(self) -> str | None:
        return self.cleaned_data["language"] or None  # left out: unchanged

    reason = forms.CharField(
        label=_("Why the severity changes"),
        required=False,
        max_length=1000,
        help_text=_(
            "Required to make it less severe: only its crisis lead or a manager may, because "
            "it lowers the bar for approvals and slows the schedule."
        ),
    )


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Status.choices, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=1000)
    waiver = forms.CharField(
        label=_("Postmortem waiver"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("What happened, what was decided…")}
        ),
        max_length=10_000,
    )
    at = DateTimeField(
        label=_("Happened at"),
        required=False,
        widget=DATETIME_LOCAL,
        help_text=_("Back-date the note; leave empty for now."),
    )


class ClaimForm(forms.Form):
    statement = forms.CharField(
        label=_("Claim"),
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("What is being said?")}),
    )
    seen_at_location = forms.CharField(label=_("Where it was seen"), required=False, max_length=500)
    first_seen_at = DateTimeField(label=_("First seen at"), required=False, widget=DATETIME_LOCAL)


class ClaimStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ClaimStatus.choices)
    evidence = forms.CharField(
        label=_("Evidence"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for a verdict: confirmed, false or partly true."),
    )
