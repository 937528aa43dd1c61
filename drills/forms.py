"""Recording a drill (its scenario, participants and findings), and starting one: a shipped
scenario or a file of one's own, a speed, and the brand account it rehearses for."""

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communications.accounts.models import SocialAccount
from config.forms import DATETIME_LOCAL, DateTimeField
from config.people import active_people

from .scenario import MAX_BYTES, too_big
from .services import SPEEDS, scenarios_shipped

UPLOAD = "upload"


def speed_choices() -> list[tuple[int, str]]:
    """Said when the form is shown, in the reader's language."""
    return [(speed, _("%(n)d× real speed") % {"n": speed}) for speed in SPEEDS]


class DrillForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    scenario = forms.CharField(
        label=_("Scenario"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was played: the trigger, the injects, what the team had to decide."),
    )
    held_at = DateTimeField(
        label=_("Held at"), widget=DATETIME_LOCAL, help_text=_("Your local time.")
    )
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants"),
        queryset=active_people(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    findings = forms.CharField(
        label=_("Findings"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What went well, what went badly, what surprised the team."),
    )
    follow_ups = forms.CharField(
        label=_("Follow-ups"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What will change, and who does it."),
    )

    def __init__(
        self, *args: Any, participants: Iterable[Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if participants is not None:
            # People who took part and have since left stay on the drill when it is edited.
            ids = [person.pk for person in participants]
            field = self.fields["participants"]
            field.queryset = (  # type: ignore[attr-defined]
                get_user_model()
                .objects.filter(Q(is_active=True) | Q(pk__in=ids))
                .order_by("first_name", "username")
            )


class DrillStartForm(forms.Form):
    scenario = forms.ChoiceField(label=_("Scenario"))
    file = forms.FileField(
        label=_("Scenario file"),
        required=False,
        help_text=_("YAML or JSON, as described in the README; used with “A file of my own”."),
    )
    speed = forms.TypedChoiceField(
        label=_("Speed"),
        coerce=int,
        choices=speed_choices,
        initial=10,
    )
    based_on = forms.ModelChoiceField(
        label=_("Rehearse for"),
        queryset=SocialAccount.objects.none(),
        required=False,
        empty_label=_("A made-up brand account"),
        help_text=_("The drill plays into an account of its own standing in for this one."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["scenario"]).choices = [
            (name, f"{scenario.title} ({scenario.language})")
            for name, scenario in scenarios_shipped().items()
        ] + [(UPLOAD, _("A file of my own"))]
        accounts = SocialAccount.objects.real().filter(is_active=True).order_by("handle")
        cast(forms.ModelChoiceField, self.fields["based_on"]).queryset = accounts
        self.fields["based_on"].initial = accounts.values_list("pk", flat=True).first()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if data.get("scenario") == UPLOAD:
            if upload is None:
                self.add_error("file", _("Choose the scenario file to play."))
            elif upload.size > MAX_BYTES:
                self.add_error("file", too_big())
            else:
                data["name"] = upload.name
                data["text"] = upload.read()
        else:
            data["name"] = data.get("scenario", "")
            data["text"] = None
        return data
