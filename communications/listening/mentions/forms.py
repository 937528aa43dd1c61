"""Forms of the mention pages. They parse input; the services decide."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from communications.accounts.models import SocialAccount
from communications.listening.mentions.presence import Doing
from communications.listening.mentions.services import (
    DECISIONS,
    REASON_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    Bulk,
)
from communications.listening.models import InboundPost
from config.forms import DATETIME_LOCAL, DateTimeField
from config.inputs import id_from
from config.people import active_people
from incidents.models import OPEN_STATUSES, Incident

T = InboundPost.Triage


class TriageForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[(value, T(value).label) for value in DECISIONS],
        error_messages={"invalid_choice": _("Choose needs reply, no reply needed or escalated.")},
    )
    reason = forms.CharField(label=_("Why"), max_length=REASON_MAX_LENGTH, required=False)
    reply_url = forms.URLField(
        label=_("Link of the reply"),
        max_length=300,
        required=False,
        help_text=_("Only for a reply made outside Crisis Desk."),
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assignee"),
        queryset=active_people(),
        required=False,
        error_messages={"invalid_choice": _("Choose someone who can log in.")},
    )


class LinkForm(forms.Form):
    incident = forms.ModelChoiceField(
        label=_("Incident"),
        queryset=Incident.objects.all(),
        error_messages={
            "required": _("Choose the incident this mention belongs to."),
            "invalid_choice": _("Choose one of the open incidents."),
        },
    )


# A queue page shows 25; the bulk bar takes 100.
PRESENCE_MAX_MENTIONS = 100


class _IdsField(forms.Field):
    """Ids sent as repeated fields (the queue's checkboxes): a list of whole numbers."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        ids = [id_from(v) for v in values]
        if None in ids:
            raise forms.ValidationError(_("Choose mentions from the queue."))
        return [pk for pk in ids if pk is not None]


class BulkForm(forms.Form):
    """One act on the mentions chosen in the queue (services.mentions_bulk)."""

    mentions = _IdsField(
        label=_("Mentions"), error_messages={"required": _("Choose at least one mention.")}
    )
    action = forms.ChoiceField(
        label=_("With the chosen"),
        choices=Bulk.choices,
        error_messages={"invalid_choice": _("Choose what to do with the chosen mentions.")},
    )
    assignee = forms.ModelChoiceField(
        label=_("Give to"),
        queryset=active_people(),
        required=False,
        error_messages={"invalid_choice": _("Choose someone who can log in.")},
    )
    incident = forms.ModelChoiceField(
        label=_("Incident"),
        queryset=Incident.objects.all(),
        required=False,
        error_messages={"invalid_choice": _("Choose one of the open incidents.")},
    )
    reason = forms.CharField(label=_("Why"), max_length=REASON_MAX_LENGTH, required=False)


class PresenceForm(forms.Form):
    """An open page's beat (views.mentions.presence): the mention it is about, if any, and what
    its viewer does there; the mentions it shows, to hear who else is on them."""

    here = forms.IntegerField(required=False, min_value=1)
    doing = forms.ChoiceField(choices=[(d.value, d.value) for d in Doing], required=False)
    leaving = forms.BooleanField(required=False)
    mention = _IdsField(required=False)
    drill = forms.BooleanField(required=False)

    def clean_mention(self) -> list[int]:
        ids: list[int] = self.cleaned_data["mention"]
        if len(ids) > PRESENCE_MAX_MENTIONS:
            raise forms.ValidationError(
                _("Ask about %(count)d mentions at most.") % {"count": PRESENCE_MAX_MENTIONS}
            )
        return ids


class ManualMentionForm(forms.Form):
    account = forms.ModelChoiceField(
        label=_("Account mentioned"),
        queryset=SocialAccount.objects.filter(is_active=True).order_by("handle"),
    )
    url = forms.CharField(
        label=_("Link of the post"),
        max_length=300,
        widget=forms.URLInput(attrs={"placeholder": "https://x.com/handle/status/123"}),
    )
    text = forms.CharField(
        label=_("Text of the post"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    author_handle = forms.CharField(
        label=_("Author"),
        max_length=16,
        required=False,
        help_text=_("Taken from the link if empty."),
    )
    author_name = forms.CharField(label=_("Author's name"), max_length=100, required=False)
    author_followers = forms.IntegerField(
        label=_("Followers"), min_value=0, max_value=2**31 - 1, initial=0
    )
    posted_at = DateTimeField(
        label=_("Posted at"),
        required=False,
        widget=DATETIME_LOCAL,
        help_text=_("Empty: now. The reply deadline counts from here."),
    )
    incident = forms.ModelChoiceField(
        label=_("Incident"),
        queryset=Incident.objects.filter(status__in=OPEN_STATUSES).order_by("severity", "-id"),
        required=False,
        help_text=_("Optional; it can be linked later."),
        error_messages={"invalid_choice": _("Choose one of the open incidents.")},
    )
