"""Forms of the team pages. They parse input; the services decide."""

import uuid
import zoneinfo
from collections.abc import Iterator
from functools import cache
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator, URLValidator
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from config.forms import DATETIME_LOCAL, DateTimeField
from config.inputs import id_from
from config.people import active_people
from incidents.forms import IncidentDetailsForm
from incidents.services import DECLARE_KEY_PATTERN

from .models import (
    CHOOSABLE_REASONS,
    Department,
    Playbook,
    Reason,
    Role,
    RosterMember,
    validate_timezone,
)
from .playbooks.selectors import playbook_current, playbooks_to_declare_from


@cache
def language_choices() -> list[tuple[str, str]]:
    """Each language in its own words ("Türkçe"), as a switcher offers them."""
    return [("", _("The browser's language"))] + [
        (code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES
    ]


def timezone_names() -> list[str]:
    """The IANA names offered while typing a timezone (any valid name is accepted)."""
    return sorted(name for name in zoneinfo.available_timezones() if "/" in name)


class ProfileForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("No department"),
    )
    title = forms.CharField(label=_("Job title"), max_length=150, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        validators=[
            RegexValidator(
                r"^\+?[0-9][0-9 ()./-]{2,}$",
                _("Write a phone number with digits, spaces and + ( ) - . / only."),
            )
        ],
        help_text=_("Where the team reaches you during a crisis, e.g. +90 212 555 01 23."),
    )
    timezone = forms.CharField(
        label=_("Timezone"),
        max_length=64,
        required=False,
        validators=[validate_timezone],
        widget=forms.TextInput(attrs={"list": "timezone-names", "autocomplete": "off"}),
        help_text=_(
            "An IANA name like Europe/Istanbul; times are shown in it. "
            "Leave empty to use your browser's zone."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=language_choices,
        help_text=_("Pages, emails and chat notifications are in this language."),
    )
    webhook_url = forms.URLField(
        label=_("Chat webhook"),
        max_length=500,
        required=False,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_(
            "A Slack or Microsoft Teams incoming-webhook URL; notifications you route to chat "
            "are posted there."
        ),
    )

    def clean_timezone(self) -> str:
        return str(self.cleaned_data["timezone"]).strip()


class NotificationPreferencesForm(forms.Form):
    """Two checkboxes per reason: email and chat. In-app is always on and not a field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for reason in CHOOSABLE_REASONS:
            self.fields[f"{reason.value}-email"] = forms.BooleanField(
                label=_("Email"), required=False
            )
            self.fields[f"{reason.value}-chat"] = forms.BooleanField(
                label=_("Chat"), required=False
            )

    @classmethod
    def initial_from(cls, choices: dict[str, tuple[bool, bool]]) -> dict[str, bool]:
        initial = {}
        for reason, (email, chat) in choices.items():
            initial[f"{reason}-email"] = email
            initial[f"{reason}-chat"] = chat
        return initial

    def rows(self) -> Iterator[tuple[Reason, forms.BoundField, forms.BoundField]]:
        for reason in CHOOSABLE_REASONS:
            yield reason, self[f"{reason.value}-email"], self[f"{reason.value}-chat"]

    def choices(self) -> dict[str, tuple[bool, bool]]:
        data = self.cleaned_data
        return {
            reason.value: (bool(data[f"{reason.value}-email"]), bool(data[f"{reason.value}-chat"]))
            for reason in CHOOSABLE_REASONS
        }


class RosterAddForm(forms.Form):
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.all())
    person = forms.ModelChoiceField(
        label=_("Person"),
        queryset=active_people(),
        error_messages={"invalid_choice": _("Choose someone who can log in.")},
    )
    kind = forms.ChoiceField(
        label=_("As"), choices=RosterMember.Kind.choices, initial=RosterMember.Kind.PRIMARY
    )


class ShiftForm(forms.Form):
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.all())
    person = forms.ModelChoiceField(
        label=_("Person"),
        queryset=active_people(),
        error_messages={"invalid_choice": _("Choose someone who can log in.")},
    )
    starts_at = DateTimeField(label=_("Starts"), widget=DATETIME_LOCAL)
    ends_at = DateTimeField(label=_("Ends"), widget=DATETIME_LOCAL)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("A shift ends after it starts."))
        return data


# --- incidents: declaring, the checklist, roles ---------------------------------------------


class IncidentDeclareForm(IncidentDetailsForm):
    detected_at = DateTimeField(
        label=_("Detected at"),
        required=False,
        widget=DATETIME_LOCAL,
        help_text=_("Leave empty for now. Your local time."),
    )
    crisis_lead = forms.ModelChoiceField(
        label=_("Crisis lead"),
        queryset=active_people(),
        required=False,
        empty_label=_("Me"),
        help_text=_("Who is in charge; you, unless you name someone else."),
    )
    playbook = forms.ModelChoiceField(
        label=_("Playbook"),
        queryset=Playbook.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_(
            "Its checklist, the roles to staff and the stakeholders to tell are added, and its "
            "holding statements are ready in the composer."
        ),
    )
    # Set when the page is shown: sending the form twice declares once.
    declare_key = forms.RegexField(
        regex=DECLARE_KEY_PATTERN, required=False, widget=forms.HiddenInput
    )

    field_order = ["playbook"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["playbook"].queryset = playbooks_to_declare_from()  # type: ignore[attr-defined]


class ChecklistItemForm(forms.Form):
    title = forms.CharField(label=_("To do"), max_length=300)
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=active_people(), required=False)
    due_at = DateTimeField(label=_("Due"), required=False, widget=DATETIME_LOCAL)


class ChecklistItemUpdateForm(forms.Form):
    """Assign and set the due time; only the fields that changed are passed on."""

    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=active_people(), required=False)
    due_at = DateTimeField(label=_("Due"), required=False, widget=DATETIME_LOCAL)

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_data}


class RoleAssignForm(forms.Form):
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.all())
    person = forms.ModelChoiceField(label=_("Person"), queryset=active_people())
    hand_over = forms.BooleanField(
        label=_("Relieve the current holders"),
        required=False,
        help_text=_("The crisis lead is always handed over."),
    )


def declare_initial(playbook_id: Any) -> dict[str, Any]:
    """The declare form's first values: a fresh declare key, and when a playbook is asked for
    (?playbook=…), that playbook with its category and usual severity."""
    initial: dict[str, Any] = {"severity": 3, "declare_key": uuid.uuid4().hex}
    playbook = playbooks_to_declare_from().filter(pk=id_from(playbook_id) or 0).first()
    version = playbook_current(playbook) if playbook else None
    if playbook is not None and version is not None:
        initial.update(
            playbook=playbook, category=playbook.category, severity=version.severity_hint
        )
    return initial
