"""Forms of the postmortem pages. They parse input; the services decide."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from config.inputs import id_from
from config.people import active_people
from incidents.models import Category

from .models import MAX_WHYS, SECTION_MAX_LENGTH, SECTIONS, ActionItem, Postmortem

WHY_MAX_LENGTH = 1000


class WhysInput(forms.Widget):
    """Up to MAX_WHYS text inputs posted under one name, read back as a list."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        if hasattr(data, "getlist"):
            return list(data.getlist(name))
        value = data.get(name)
        return value if isinstance(value, list) else [] if value is None else [value]


class WhysField(forms.Field):
    widget = WhysInput

    def to_python(self, value: Any) -> list[str]:
        whys = [str(why).strip() for why in value or []]
        whys = [why for why in whys if why]
        if len(whys) > MAX_WHYS:
            raise forms.ValidationError(_("At most %(max)d whys.") % {"max": MAX_WHYS})
        if any(len(why) > WHY_MAX_LENGTH for why in whys):
            raise forms.ValidationError(
                _("Keep each why under %(max)d characters.") % {"max": WHY_MAX_LENGTH}
            )
        return whys


class SectionsForm(forms.Form):
    """Every section of the report, the root cause category and the five whys."""

    root_cause_category = forms.ChoiceField(
        label=_("Root cause category"),
        choices=[("", _("Not decided yet")), *Category.choices],
        required=False,
    )
    five_whys = WhysField(label=_("Five whys"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field, title in SECTIONS:
            self.fields[field] = forms.CharField(
                label=title,
                required=False,
                strip=False,
                max_length=SECTION_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 4}),
            )

    @staticmethod
    def initial_of(postmortem: Postmortem) -> dict[str, Any]:
        return {
            **{field: getattr(postmortem, field) for field, _title in SECTIONS},
            "root_cause_category": postmortem.root_cause_category,
            "five_whys": list(postmortem.five_whys),
        }

    def whys_to_show(self) -> list[str]:
        """The whys as typed (or stored), padded with empty inputs to MAX_WHYS."""
        value = self["five_whys"].value() or []
        whys = [str(why) for why in value][:MAX_WHYS]
        return whys + [""] * (MAX_WHYS - len(whys))


class MoveForm(forms.Form):
    """Submit for review (with reviewers), publish, or begin a correction (with a reason)."""

    to = forms.ChoiceField(choices=Postmortem.Status.choices)
    reviewers = forms.ModelMultipleChoiceField(
        label=_("Reviewers"), queryset=active_people(), required=False
    )
    reason = forms.CharField(label=_("What is being corrected"), required=False, max_length=2000)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), max_length=10_000, widget=forms.Textarea)
    section = forms.ChoiceField(
        label=_("About"), choices=[("", _("The whole postmortem")), *SECTIONS], required=False
    )


class IdField(forms.Field):
    """An object's id as posted: whole ASCII digits that fit an id column."""

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        number = id_from(value)
        if number is None:
            raise forms.ValidationError(_("Choose one from the list."))
        return number


class KeyEventForm(forms.Form):
    event = IdField()
    key = forms.BooleanField(required=False)


class ActionItemForm(forms.Form):
    title = forms.CharField(label=_("Action item"), max_length=200)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=active_people())
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=ActionItem.Kind.choices)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=ActionItem.Priority.choices, initial="medium"
    )
    follow_up_url = forms.CharField(label=_("Follow-up link"), max_length=500, required=False)


class ActionItemStatusForm(forms.Form):
    item = IdField()
    status = forms.ChoiceField(label=_("Status"), choices=ActionItem.Status.choices)
