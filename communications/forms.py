"""Forms of the communications pages. They parse input; the services decide."""

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from config.forms import DATETIME_LOCAL, DateTimeField
from incidents.models import Category, Claim, Incident, Promise, Severity
from teams.models import Channel, Department, Role, StakeholderGroup
from teams.playbooks.selectors import playbooks_to_declare_from

from .listening.alerts import (
    alert_attach_choices,
    alert_posts_on_open_incident,
    alert_severity_and_reason,
    alert_title,
)
from .messaging.preflight import UNVERIFIED
from .models import Alert, InboundPost, Message, SocialAccount, Template, WordingRule
from .validators import POST_REFERENCE_MAX_LENGTH, validate_post_reference


def account_label(account: SocialAccount) -> str:
    if account.is_sandbox:
        return str(_("%(account)s (sandbox)") % {"account": account})
    return str(account)


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return account_label(obj)


class MentionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"@{obj.author_handle}: {obj.text[:80]}"


class CorrectsChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        when = formats.date_format(timezone.localtime(obj.published_at), "SHORT_DATETIME_FORMAT")
        return f"{when} · {obj.body[:80]}"


class PartsWidget(forms.Widget):
    """Any number of inputs of one name: the further posts of a thread."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        if hasattr(data, "getlist"):
            return list(data.getlist(name))
        value = data.get(name) or []
        return [value] if isinstance(value, str) else list(value)


class PartsField(forms.Field):
    widget = PartsWidget

    def to_python(self, value: Any) -> list[str]:
        return [str(text) for text in value or []]


class MessageForm(forms.Form):
    """The composer. Which fields count depends on the kind; the service checks them."""

    account = AccountChoiceField(
        label=_("Account"),
        queryset=SocialAccount.objects.none(),
        required=False,
        empty_label=None,
        help_text=_("Staff briefings and stakeholder updates go out without an account."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Message.Kind.choices, initial=Message.Kind.TWEET
    )
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write the text first.")},
    )
    reply_to_mention = MentionChoiceField(
        label=_("Mention it answers"),
        queryset=InboundPost.objects.none(),
        required=False,
        empty_label=_("— a post given by its link —"),
    )
    reply_to_post = forms.CharField(
        label=_("Post it answers"),
        required=False,
        max_length=POST_REFERENCE_MAX_LENGTH,
        validators=[validate_post_reference],
        help_text=_(
            "Instead of a mention: a post id or a link like https://x.com/handle/status/123."
        ),
    )
    quote_post = forms.CharField(
        label=_("Post it quotes"),
        required=False,
        max_length=POST_REFERENCE_MAX_LENGTH,
        validators=[validate_post_reference],
        help_text=_("A post id or a link like https://x.com/handle/status/123."),
    )
    corrects = CorrectsChoiceField(
        label=_("Published message it corrects"),
        queryset=Message.objects.none(),
        required=False,
        empty_label=_("— choose —"),
    )
    parts = PartsField(label=_("Further posts of the thread"), required=False)
    language = forms.ChoiceField(
        label=_("Page it goes on"),
        choices=[("", _("— choose —")), *settings.LANGUAGES],
        required=False,
        help_text=_("The statement page in this language shows it."),
    )
    stakeholder_group = forms.ModelChoiceField(
        label=_("Stakeholder group told"),
        queryset=StakeholderGroup.objects.all(),
        required=False,
        empty_label=_("— choose —"),
    )
    stakeholder_channel = forms.ChoiceField(
        label=_("How they are told"),
        choices=[("", _("— choose —")), *Channel.choices],
        required=False,
    )
    briefing_departments = forms.ModelMultipleChoiceField(
        label=_("Departments briefed"),
        queryset=Department.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: everyone."),
    )
    cited_claims = forms.ModelMultipleChoiceField(
        label=_("Claims it repeats or answers"),
        queryset=Claim.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    scheduled_at = DateTimeField(
        label=_("Publish at"),
        required=False,
        widget=DATETIME_LOCAL,
        help_text=_("Your local time. Empty: as soon as it is approved."),
    )
    template = forms.ModelChoiceField(
        queryset=Template.objects.all(), required=False, widget=forms.HiddenInput
    )
    reply_anyway = forms.BooleanField(
        label=_("Reply anyway"),
        required=False,
        help_text=_(
            "Another reply to this mention is already waiting for approval, approved or "
            "published: send a second one all the same."
        ),
    )

    def __init__(
        self,
        *args: Any,
        incident: Incident,
        accounts: Any,
        message: Message | None = None,
        mention: InboundPost | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.incident = incident
        self.message = message
        account_field: Any = self.fields["account"]
        account_field.queryset = accounts
        if message is not None:
            # The account of a message is fixed once drafted (approvals bind to it).
            account_field.queryset = SocialAccount.objects.filter(pk=message.account_id or 0)
            account_field.disabled = True
            del self.fields["template"]
        mention_ids = [
            pk for pk in (mention and mention.pk, message and message.reply_to_mention_id) if pk
        ]
        mention_field: Any = self.fields["reply_to_mention"]
        mention_field.queryset = (
            InboundPost.objects.filter(Q(incident=incident) | Q(pk__in=mention_ids))
            .select_related("account")
            .order_by("-posted_at")
        )
        corrects_field: Any = self.fields["corrects"]
        published = Message.objects.filter(incident=incident, status=Message.Status.PUBLISHED)
        if message is not None:
            published = published.exclude(pk=message.pk)
        corrects_field.queryset = published.order_by("-published_at")
        claims_field: Any = self.fields["cited_claims"]
        claims_field.queryset = incident.claims.order_by("-first_seen_at", "-id")

    def claim_choices(self) -> list[dict[str, Any]]:
        """The incident's claims for the checkboxes, with their status (unverified marked)."""
        chosen = {str(v) for v in (self["cited_claims"].value() or [])}
        field: Any = self.fields["cited_claims"]
        return [
            {
                "claim": claim,
                "checked": str(claim.pk) in chosen,
                "unverified": claim.status in UNVERIFIED,
            }
            for claim in field.queryset
        ]

    def service_arguments(self) -> dict[str, Any]:
        """What message_create / message_update take, from the cleaned form."""
        data = self.cleaned_data
        arguments = {
            "kind": data["kind"],
            "body": data["body"],
            "reply_to_mention": data["reply_to_mention"],
            "reply_to_post": data["reply_to_post"],
            "quote_post": data["quote_post"],
            "corrects": data["corrects"],
            "parts": data["parts"],
            "cited_claims": list(data["cited_claims"]),
            "scheduled_at": data["scheduled_at"],
            "stakeholder_group": data["stakeholder_group"],
            "stakeholder_channel": data["stakeholder_channel"],
            "briefing_departments": list(data["briefing_departments"]),
            "language": data["language"],
        }
        if self.message is None:
            arguments["account"] = data["account"]
            arguments["template"] = data.get("template")
        return arguments


class DecisionForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)


class IncidentChoiceForm(forms.Form):
    """Which incident a new message (or a template preview) is about."""

    incident = forms.ModelChoiceField(
        label=_("Incident"),
        queryset=Incident.objects.none(),
        to_field_name="reference",
        empty_label=_("— choose an incident —"),
    )

    def __init__(self, *args: Any, incidents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["incident"]
        field.queryset = incidents


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    kind = forms.ChoiceField(label=_("Kind"), choices=Template.Kind.choices)
    language = forms.CharField(
        label=_("Language"), max_length=10, initial="en", help_text=_("e.g. en, tr")
    )
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Filled in: {reference}, {next_update}, {handle} (who is answered), {author} (who "
            "writes). Any other word in braces, {title} included, is left for the writer to "
            "fill in before the message can be submitted. Changing the text clears the "
            "template's approval. For a prepared statement page: its opening statement."
        ),
    )
    headline = forms.CharField(
        label=_("Public headline"),
        max_length=200,
        required=False,
        help_text=_(
            "Prepared statement pages only: the title the public reads, e.g. “A question about "
            "one batch of our juice”."
        ),
    )
    faq = forms.CharField(
        label=_("Questions and answers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Prepared statement pages only, in Markdown: “### What should I do?” then the "
            "answer. A prepared page is switched on in one action, so it may hold only "
            "{reference} and {next_update}."
        ),
    )


class WordingRuleForm(forms.Form):
    """A wording rule, written or changed (communications.messaging.services.wording)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=WordingRule.Kind.choices)
    shape = forms.ChoiceField(label=_("What it looks for"), choices=WordingRule.Shape.choices)
    words = forms.CharField(
        label=_("Words"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One per line, Turkish and English alike: the words or phrases it flags (capitals "
            "and Turkish letters are matched either way), or for links the domains they may go "
            "to (example.com also allows shop.example.com). Empty for capitals and marks."
        ),
    )
    reason = forms.CharField(
        label=_("Why"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to the writer and the approver beside every word it flags."),
    )
    examples_flagged = forms.CharField(
        label=_("Examples it flags"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, a Turkish and an English one at least: each must be flagged."),
    )
    examples_passed = forms.CharField(
        label=_("Examples it must not flag"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, a Turkish and an English one at least: none may be flagged."),
    )
    change_reason = forms.CharField(
        label=_("Why this change"),
        max_length=500,
        required=False,
        help_text=_("Kept on record with the change."),
    )


class StatementPageForm(forms.Form):
    headline = forms.CharField(
        label=_("Public headline"),
        max_length=200,
        help_text=_(
            "What the public reads as its title, e.g. “Batch 24-117 of our mango juice”: never "
            "the team's working title."
        ),
    )


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        help_text=_(
            "We send a link to confirm. Your address is used only for these updates and is "
            "deleted when you unsubscribe (one click, in every email)."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class WordingRuleRetireForm(forms.Form):
    change_reason = forms.CharField(label=_("Why"), max_length=500)


class TemplatePreviewForm(forms.Form):
    """What to fill the placeholders with (a GET form: every field optional)."""

    incident = forms.ModelChoiceField(
        label=_("Incident"),
        queryset=Incident.objects.none(),
        to_field_name="reference",
        required=False,
        empty_label=_("— none —"),
    )
    handle = forms.CharField(label=_("Answering"), max_length=50, required=False)
    next_update = DateTimeField(label=_("Next update at"), required=False, widget=DATETIME_LOCAL)

    def __init__(self, *args: Any, incidents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["incident"]
        field.queryset = incidents


class PauseForm(forms.Form):
    """The stop switch: which account (empty: all of them) and why."""

    account = AccountChoiceField(
        label=_("Pause publishing on"),
        queryset=SocialAccount.objects.filter(is_active=True).order_by("handle"),
        required=False,
        empty_label=_("All accounts"),
    )
    reason = forms.CharField(
        label=_("Why"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. our account may be hacked")}),
    )


class ResumeForm(forms.Form):
    """Ending a pause: which of the waiting messages go out now (none unless chosen)."""

    release = forms.TypedMultipleChoiceField(
        label=_("Release these messages now"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every message not chosen goes back to draft and needs approval again."),
    )

    def __init__(self, *args: Any, waiting: list[Message], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        release = self.fields["release"]
        assert isinstance(release, forms.TypedMultipleChoiceField)
        release.choices = [(m.pk, m.body[:80]) for m in waiting]


def _lines(text: str) -> list[tuple[int, str]]:
    return [
        (number, line.strip()) for number, line in enumerate(text.splitlines(), 1) if line.strip()
    ]


def _promise_words(text: str) -> str:
    """“the first public statement”, “First statement”, “first_statement”: one promise."""
    words = text.replace("_", " ").lower().split()
    return " ".join(word for word in words if word not in ("the", "public"))


def _checklist_line(item: dict[str, Any], roles: dict[str, str]) -> str:
    """A playbook's checklist item as the form writes it (PlaybookForm.clean_checklist)."""
    minutes = item.get("due_minutes")
    role, meets = item.get("role"), item.get("meets")
    if minutes is None and not role and not meets:
        return str(item["title"])
    parts = ["" if minutes is None else str(minutes), item["title"]]
    if role or meets:
        parts.append(roles.get(role, role) if role else "")
    if meets:
        parts.append(str(Promise(meets).label))
    return " | ".join(parts)


class PlaybookForm(forms.Form):
    """A playbook's version as people write it: the checklist and the stakeholders one per
    line, the roles and the approved templates ticked."""

    name = forms.CharField(label=_("Name"), max_length=150)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    severity_hint = forms.TypedChoiceField(
        label=_("Usual severity"), choices=Severity.choices, coerce=int
    )
    scenario = forms.CharField(
        label=_("Scenario"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The situation this playbook is for."),
    )
    first_steps = forms.CharField(
        label=_("First steps"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown: what to do in the first hour."),
    )
    checklist = forms.CharField(
        label=_("Checklist"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One item per line. Start with the minutes after declaring and a bar to make it "
            "due: “30 | Confirm the facts with product safety”. Add the role that owns it "
            "after another bar (its holder in the incident, else whoever is on call for it; "
            "without one, the crisis lead): “30 | Brief the call centre | Communications "
            "lead”. An item that publishes the first public statement says so after a fourth "
            "bar and takes the policy's deadline instead of a second one: “15 | Publish the "
            "holding statement | Communications lead | first statement”."
        ),
    )
    roles = forms.ModelMultipleChoiceField(
        label=_("Roles to staff"),
        queryset=Role.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    stakeholders = forms.CharField(
        label=_("Stakeholders to tell"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line: group | channel | within minutes, e.g. “Regulators | email | 120”."
        ),
    )
    templates = forms.ModelMultipleChoiceField(
        label=_("Templates offered in the composer"),
        queryset=Template.objects.filter(approved_at__isnull=False),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Approved holding statements and replies only."),
    )
    note = forms.CharField(
        label=_("What changed"),
        max_length=300,
        required=False,
        help_text=_("Saved with the new version."),
    )

    def clean_checklist(self) -> list[dict[str, Any]]:
        roles: dict[str, str] = {}
        for role in Role.objects.all():
            roles[role.slug.lower()] = roles[str(role.name).lower()] = role.slug
            roles[role.said_name.lower()] = role.slug  # as the reader's language says it
        promises = {_promise_words(value): value for value in Promise.values}
        promises.update({_promise_words(str(label)): value for value, label in Promise.choices})
        items: list[dict[str, Any]] = []
        for number, line in _lines(self.cleaned_data["checklist"]):
            if "|" not in line:
                items.append({"title": line, "due_minutes": None, "role": None, "meets": None})
                continue
            minutes, title, *rest = [part.strip() for part in line.split("|")]
            if len(rest) > 2:
                raise forms.ValidationError(
                    _("Line %(number)d: at most minutes | item | role | promise.")
                    % {"number": number}
                )
            if minutes and not minutes.isdigit():
                raise forms.ValidationError(
                    _("Line %(number)d: start with the minutes (a whole number) before the bar.")
                    % {"number": number}
                )
            role_name, promise = [*rest, "", ""][:2]
            if role_name and role_name.lower() not in roles:
                raise forms.ValidationError(
                    _("Line %(number)d: “%(role)s” is not a role (%(roles)s).")
                    % {
                        "number": number,
                        "role": role_name,
                        "roles": ", ".join(str(r.name) for r in Role.objects.all()),
                    }
                )
            if promise and _promise_words(promise) not in promises:
                raise forms.ValidationError(
                    _("Line %(number)d: an item can keep only %(promises)s.")
                    % {"number": number, "promises": ", ".join(str(p.label) for p in Promise)}
                )
            items.append(
                {
                    "title": title,
                    "due_minutes": int(minutes) if minutes else None,
                    "role": roles[role_name.lower()] if role_name else None,
                    "meets": promises[_promise_words(promise)] if promise else None,
                }
            )
        return items

    def clean_stakeholders(self) -> list[dict[str, Any]]:
        groups = {group.name.lower(): group for group in StakeholderGroup.objects.all()}
        channels = {value: value for value in Channel.values}
        channels.update({str(label).lower(): value for value, label in Channel.choices})
        entries = []
        for number, line in _lines(self.cleaned_data["stakeholders"]):
            parts = [part.strip() for part in line.split("|")]
            group = groups.get(parts[0].lower()) if parts else None
            if len(parts) != 3 or group is None or parts[1].lower() not in channels:
                raise forms.ValidationError(
                    _(
                        "Line %(number)d: write a stakeholder group's name, a channel and the "
                        "minutes, separated by bars."
                    )
                    % {"number": number}
                )
            if not parts[2].isdigit():
                raise forms.ValidationError(
                    _("Line %(number)d: the minutes are a whole number.") % {"number": number}
                )
            entries.append(
                {
                    "group": group,
                    "channel": channels[parts[1].lower()],
                    "within_minutes": int(parts[2]),
                }
            )
        return entries

    @staticmethod
    def initial_from(version: Any) -> dict[str, Any]:
        """The form filled with a version (to write the next one)."""
        roles = {role.slug: role.said_name for role in Role.objects.all()}
        return {
            "name": version.playbook.name,
            "category": version.playbook.category,
            "severity_hint": version.severity_hint,
            "scenario": version.scenario,
            "first_steps": version.first_steps,
            "checklist": "\n".join(_checklist_line(item, roles) for item in version.checklist),
            "roles": list(version.roles.all()),
            "stakeholders": "\n".join(
                f"{entry.group.name} | {entry.channel} | {entry.within_minutes}"
                for entry in version.stakeholders.all()
            ),
            "templates": list(version.templates.all()),
        }


class PlaybookApplyForm(forms.Form):
    playbook = forms.ModelChoiceField(label=_("Playbook"), queryset=playbooks_to_declare_from())


# --- the alert page: declare an incident from it, or dismiss it ------------------------------


class AlertDeclareForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("Suggested from the alert's words: keep it or say it better."),
    )
    severity = forms.TypedChoiceField(label=_("Severity"), choices=Severity.choices, coerce=int)
    playbook = forms.ModelChoiceField(
        label=_("Playbook"),
        queryset=playbooks_to_declare_from(),
        required=False,
        empty_label=_("No playbook"),
    )

    def __init__(self, *args: Any, alert: Alert, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A real value, not a grey placeholder that looks filled: the person confirms or edits.
        self.fields["title"].initial = alert_title(alert)
        # What the alert's evidence reads as (a drill: its scenario's), before any playbook's
        # usual severity: the playbook is written for every such crisis, the alert is this one.
        severity, because = alert_severity_and_reason(alert)
        self.fields["severity"].initial = severity
        self.suggestion = _("Suggested %(severity)s: %(because)s.") % {
            "severity": Severity(severity).short,
            "because": because,
        }
        self.fields["severity"].help_text = " ".join(
            [str(self.suggestion)] + [f"{level.short}: {level.description}" for level in Severity]
        )
        suggested = alert.suggested_playbook
        if suggested is not None and suggested.archived_at is None:
            self.fields["playbook"].initial = suggested.pk
            if alert.suggested_because:
                self.fields["playbook"].help_text = _("Suggested: %(because)s") % {
                    "because": alert.suggested_because
                }


class _IncidentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.reference} · {obj.get_severity_display()} · {obj.title}"


class AlertAttachForm(forms.Form):
    """Add the alert to an incident already open for the same crisis instead of declaring a
    second one; the incident most of the alert's top posts are already on is chosen first."""

    incident = _IncidentChoiceField(label=_("Open incident"), queryset=Incident.objects.none())

    def __init__(self, *args: Any, alert: Alert, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["incident"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = alert_attach_choices(alert)
        self.has_choices = field.queryset.exists()
        self.linked = alert_posts_on_open_incident(alert)
        if self.linked is not None:
            field.initial = self.linked[0].pk
            field.help_text = _("%(count)d of its top posts are already on %(reference)s.") % {
                "count": self.linked[1],
                "reference": self.linked[0].reference,
            }


class AlertDismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Why no incident?"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. our own launch campaign")}),
    )
