"""Admin pages for communications. Accounts are edited here, through the same service as
everywhere (credentials are write-only: typed in, encrypted, never shown again). Messages,
approvals and mentions are read-only: they change through the app, which checks the rules and
writes the timeline. Templates and wording rules are written (and approved, and retired) on
their own pages for the same reason."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db import IntegrityError, transaction
from django.forms import BaseFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from communications.accounts import services as accounts
from config.errors import ApplicationError
from config.people import person_require_signed_in
from incidents.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import (
    Alert,
    Approval,
    InboundPost,
    InboundPostEvent,
    Message,
    PageDelivery,
    PageSubscriber,
    PublishingPause,
    SocialAccount,
    StatementPage,
    Template,
    TermVolumeBucket,
    ThreadPart,
    VolumeBucket,
    WatchTerm,
    WordingRule,
    WordingRuleChange,
)

SECRET = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
CREDENTIAL_NAMES = (
    "consumer_key",
    "consumer_secret",
    "access_token",
    "access_token_secret",
    "refresh_token",
    "client_id",
)


def _secret(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        widget=SECRET,
        help_text=_("Write-only. Leave empty to keep the stored value."),
    )


class _DryRun(Exception):
    """Rolls back a trial save made only to learn whether the service accepts the form."""


class SocialAccountForm(forms.ModelForm):
    auth_kind = forms.ChoiceField(
        label=_("Credentials"),
        choices=SocialAccount.AuthKind.choices,
        help_text=_("Without credentials the account publishes in sandbox mode (nothing on X)."),
    )
    consumer_key = _secret(_("API key (consumer key)"))
    consumer_secret = _secret(_("API key secret (consumer secret)"))
    access_token = _secret(_("Access token"))
    access_token_secret = _secret(_("Access token secret"))
    refresh_token = _secret(_("Refresh token (OAuth 2.0)"))
    client_id = _secret(_("Client id (OAuth 2.0)"))

    class Meta:
        model = SocialAccount
        fields = [
            "handle",
            "display_name",
            "external_user_id",
            "two_factor_enabled",
            "publishers",
            "is_active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor: Any = None
        if self.instance.pk:
            self.fields["auth_kind"].initial = self.instance.auth_kind

    def service_arguments(self) -> dict[str, Any]:
        """account_save's arguments: the credentials only when they change (empty = keep)."""
        data = self.cleaned_data
        kind = data["auth_kind"]
        given = {name: data[name] for name in CREDENTIAL_NAMES if data.get(name)}
        current_kind = self.instance.auth_kind if self.instance.pk else SocialAccount.AuthKind.NONE
        credentials: dict[str, str] | None = None
        if kind == SocialAccount.AuthKind.NONE:
            if current_kind != kind or self.instance.credentials_encrypted:
                credentials = {}
        elif given or kind != current_kind:
            kept = accounts.account_credentials(self.instance) if kind == current_kind else {}
            credentials = {**kept, **given}
        return {
            "handle": data["handle"],
            "display_name": data["display_name"],
            "external_user_id": data["external_user_id"],
            "two_factor_enabled": data["two_factor_enabled"],
            "publishers": list(data["publishers"]),
            "auth_kind": kind,
            "credentials": credentials,
        }

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if self.errors or self.actor is None:
            return cleaned
        trial = SocialAccount.objects.get(pk=self.instance.pk) if self.instance.pk else None
        try:
            with transaction.atomic():
                accounts.account_save(actor=self.actor, account=trial, **self.service_arguments())
                raise _DryRun
        except _DryRun:
            pass
        except IntegrityError:
            self.add_error("handle", _("An account with this handle already exists."))
        except ApplicationError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return cleaned


class WatchTermInline(admin.TabularInline):
    model = WatchTerm
    extra = 1


@admin.register(SocialAccount)
class SocialAccountAdmin(admin.ModelAdmin):
    form = SocialAccountForm
    list_display = [
        "handle",
        "display_name",
        "platform",
        "auth_kind",
        "two_factor_enabled",
        "credentials_rotated_at",
        "is_active",
    ]
    list_filter = ["is_active", "auth_kind", "two_factor_enabled"]
    search_fields = ["handle", "display_name"]
    filter_horizontal = ["publishers"]
    readonly_fields = ["credentials_rotated_at", "last_mention_id", "last_search_id", "created_at"]
    inlines = [WatchTermInline]
    fieldsets = (
        (None, {"fields": ("handle", "display_name", "external_user_id", "is_active")}),
        (_("Who may write for it"), {"fields": ("publishers",)}),
        (
            _("Security"),
            {
                "fields": ("two_factor_enabled", "auth_kind", *CREDENTIAL_NAMES),
                "description": _(
                    "Credentials are encrypted and never shown again. Leave a field empty to "
                    "keep it; giving new ones counts as a rotation."
                ),
            },
        ),
        (
            pgettext_lazy("heading", "Record"),
            {
                "fields": (
                    "credentials_rotated_at",
                    "last_mention_id",
                    "last_search_id",
                    "created_at",
                )
            },
        ),
    )

    def has_delete_permission(self, request: HttpRequest, obj: SocialAccount | None = None) -> bool:
        return False  # messages and mentions refer to it; switch it off instead

    def get_form(
        self,
        request: HttpRequest,
        obj: SocialAccount | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class WithActor(form_class):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, **kw)
                self.actor = request.user

        return WithActor

    def save_model(
        self, request: HttpRequest, obj: SocialAccount, form: SocialAccountForm, change: bool
    ) -> None:
        # is_active is a plain switch the service saves along with the rest of the row.
        accounts.account_save(
            actor=person_require_signed_in(request.user), account=obj, **form.service_arguments()
        )

    def save_related(
        self,
        request: HttpRequest,
        form: SocialAccountForm,
        formsets: list[BaseFormSet],
        change: bool,
    ) -> None:
        # The service already set the publishers; only the watch terms are left.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class ThreadPartInline(ReadOnlyInline):
    model = ThreadPart
    fields = ["position", "body", "external_id"]
    show_change_link = False


class ApprovalInline(ReadOnlyInline):
    model = Approval
    fields = ["approver", "decision", "comment", "at", "voided_at"]
    show_change_link = False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "incident", "account", "kind", "status", "author", "created_at"]
    list_filter = ["status", "kind", "account"]
    search_fields = ["body", "incident__reference", "external_id"]
    list_select_related = ["incident", "account", "author"]
    date_hierarchy = "created_at"
    exclude = ["attempt_token"]
    inlines = [ThreadPartInline, ApprovalInline]


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdmin):
    list_display = ["message", "approver", "decision", "at", "voided_at"]
    list_filter = ["decision"]
    list_select_related = ["message", "approver"]
    search_fields = ["comment", "message__body"]


class MentionEventInline(ReadOnlyInline):
    model = InboundPostEvent
    fields = ["at", "actor", "incident", "text"]


@admin.register(InboundPost)
class InboundPostAdmin(ReadOnlyAdmin):
    inlines = [MentionEventInline]
    list_display = [
        "author_handle",
        "account",
        "triage",
        "incident",
        "author_followers",
        "posted_at",
    ]
    list_filter = ["triage", "origin", "account"]
    list_select_related = ["account", "incident"]
    search_fields = ["text", "author_handle", "external_id"]
    date_hierarchy = "posted_at"


@admin.register(Template)
class TemplateAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "language", "approved_by", "approved_at", "updated_at"]
    list_filter = ["kind", "language"]
    list_select_related = ["approved_by"]
    search_fields = ["name", "body"]


@admin.register(StatementPage)
class StatementPageAdmin(ReadOnlyAdmin):
    list_display = ["incident", "headline", "is_live", "switched_on_at", "switched_off_at"]
    list_filter = ["is_live"]
    list_select_related = ["incident"]


@admin.register(PageSubscriber)
class PageSubscriberAdmin(ReadOnlyAdmin):
    """How many follow the statement page, in which language and since when: never their
    addresses (personal data, used only to send what they asked for) nor their link keys."""

    list_display = ["id", "language", "created_at", "confirmed_at"]
    list_filter = ["language"]
    fields = ["language", "created_at", "confirmed_at"]


@admin.register(PageDelivery)
class PageDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["id", "subscriber", "message", "status", "attempts", "sent_at"]
    list_filter = ["status"]
    fields = ["subscriber", "message", "status", "attempts", "last_error", "sent_at", "created_at"]


@admin.register(WordingRule)
class WordingRuleAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "shape", "is_active", "updated_at"]
    list_filter = ["kind", "shape", "is_active"]
    search_fields = ["name", "words", "reason"]


@admin.register(WordingRuleChange)
class WordingRuleChangeAdmin(ReadOnlyAdmin):
    list_display = ["rule", "action", "actor", "at", "reason"]
    list_filter = ["action"]
    list_select_related = ["rule", "actor"]


@admin.register(WatchTerm)
class WatchTermAdmin(admin.ModelAdmin):
    list_display = ["query", "account"]
    list_filter = ["account"]
    list_select_related = ["account"]
    search_fields = ["query"]


@admin.register(ThreadPart)
class ThreadPartAdmin(ReadOnlyAdmin):
    list_display = ["message", "position", "external_id"]


@admin.register(InboundPostEvent)
class InboundPostEventAdmin(ReadOnlyAdmin):
    list_display = ["mention", "at", "actor", "incident", "text"]
    list_select_related = ["mention", "actor", "incident"]


@admin.register(PublishingPause)
class PublishingPauseAdmin(ReadOnlyAdmin):
    """Read-only: a pause is made and ended on its own pages (resuming decides what each
    waiting message becomes), never edited or deleted here."""

    list_display = ["__str__", "reason", "paused_by", "paused_at", "resumed_by", "resumed_at"]
    list_select_related = ["account", "paused_by", "resumed_by"]


@admin.register(VolumeBucket)
class VolumeBucketAdmin(ReadOnlyAdmin):
    """Read-only: the listening's counts, kept from the mentions."""

    list_display = ["account", "start", "posts", "reach"]
    list_filter = ["account"]
    list_select_related = ["account"]


@admin.register(TermVolumeBucket)
class TermVolumeBucketAdmin(ReadOnlyAdmin):
    """Read-only: each watch term's counts, kept from the mentions its search found."""

    list_display = ["term", "start", "posts", "reach"]
    list_filter = ["term"]
    list_select_related = ["term"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    """Read-only: alerts are raised by the listening and decided on their page."""

    list_display = ["account", "raised_at", "posts", "ratio", "status", "incident"]
    list_filter = ["status", "account"]
    list_select_related = ["account", "incident"]
