"""Admin pages for people and the team's reference data. Records that belong to an incident
(role assignments, stakeholder updates, briefings) and the notification log are read-only
here: they change through the app, which writes the timeline.

No admin can act as someone else or hand out more than a responder's rights: who may change
what in a person's account is one rule (teams.security.services.account_change_check), which
the person form asks for a clear message and the save asks again; each change is recorded
(account changes, read-only) and the person told. Only a superuser changes what a group may
do, sets another person's password or resets a second factor; API token keys are never shown.
"""

import secrets
from dataclasses import replace
from typing import Any

# DRF's token admin lists every key, and django-otp's show an authenticator's key (its QR
# code): they are imported here to be replaced or removed below.
import django_otp.plugins.otp_static.admin
import django_otp.plugins.otp_totp.admin  # noqa: F401
import rest_framework.authtoken.admin  # noqa: F401
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, QuerySet
from django.forms import BaseFormSet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import TokenProxy

from config.errors import ApplicationError, form_error
from config.outbound import DestinationRefused, public_url_check
from config.people import person_require_signed_in
from incidents.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import (
    CommunicationPlanEntry,
    Deadline,
    DeadlineStep,
    Delivery,
    DeliveryAttempt,
    Department,
    EngineHealth,
    EscalationStep,
    IncidentPlan,
    Mitigation,
    Notification,
    NotificationPreference,
    OnCallShift,
    PersonChange,
    Playbook,
    PlaybookRun,
    PlaybookStakeholder,
    PlaybookVersion,
    ResponsePolicy,
    Risk,
    RiskChange,
    Role,
    RoleAssignment,
    RosterMember,
    StaffBriefing,
    StakeholderContact,
    StakeholderGroup,
    StakeholderUpdate,
    User,
)
from .security import services as security_services
from .security.selectors import Account, account_of


def _guards(request: HttpRequest, person: User | None) -> bool:
    """The person is a superuser and the admin is not: hands off."""
    return person is not None and person.is_superuser and not request.user.is_superuser


class PersonInviteForm(forms.ModelForm):
    """A new person, added by an admin who is not a superuser. No password is set here (that
    would let the admin sign in as them): they choose theirs through "Forgot your password?"."""

    email = forms.EmailField(
        label=_("Email address"),
        help_text=_(
            "They set their password with “Forgot your password?” on the login page, which "
            "sends a link to this address."
        ),
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email"]

    def save(self, commit: bool = True) -> Any:
        person = super().save(commit=False)
        # Usable (so that the reset email is sent) but known to nobody.
        person.set_password(secrets.token_urlsafe(32))
        if commit:
            person.save()
        return person


class PersonChangeForm(UserChangeForm):
    """The admin's person form: what it would change in the account is put to the rule first,
    for a message on the field; a chat webhook is checked as the profile page checks it (only
    public https addresses)."""

    actor: Any = None  # who is changing the person: PersonAdmin.get_form sets it

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Taken before validation writes the posted values onto the instance; the save compares
        # what the database then holds with it.
        self.account_before: Account = account_of(self.instance)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.actor is not None:
            try:
                security_services.account_change_check(
                    actor=self.actor,
                    person=self.instance,
                    before=self.account_before,
                    after=self._account_after(cleaned),
                )
            except ApplicationError as exc:
                form_error(self, exc)
        return cleaned

    def _account_after(self, cleaned: dict[str, Any]) -> Account:
        """The account as this form would leave it (a field it does not show stays)."""
        values: dict[str, Any] = {}
        for name in ("username", "email", "is_active", "is_staff", "is_superuser"):
            if name in self.fields and name in cleaned:
                values[name] = cleaned[name]
        if "groups" in self.fields and "groups" in cleaned:
            values["groups"] = frozenset(group.name for group in cleaned["groups"])
        if "user_permissions" in self.fields and "user_permissions" in cleaned:
            values["user_permissions"] = frozenset(
                f"{app_label}.{codename}"
                for app_label, codename in Permission.objects.filter(
                    pk__in=[permission.pk for permission in cleaned["user_permissions"]]
                ).values_list("content_type__app_label", "codename")
            )
        return replace(self.account_before, **values)

    def clean_webhook_url(self) -> str:
        url = (self.cleaned_data.get("webhook_url") or "").strip()
        if url:
            try:
                public_url_check(url)
            except DestinationRefused as exc:
                raise forms.ValidationError(str(exc)) from exc
        return url


@admin.register(User)
class PersonAdmin(UserAdmin):
    form = PersonChangeForm
    list_display = [
        "username",
        "first_name",
        "last_name",
        "email",
        "department",
        "is_active",
        "two_factor",
    ]
    list_filter = ["is_active", "is_staff", "groups", "department"]
    list_select_related = ["department"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Profile"), {"fields": ("department", "title", "phone", "timezone", "webhook_url")}),
    )
    invite_fieldsets = ((None, {"fields": ("username", "first_name", "last_name", "email")}),)
    actions = ["reset_two_factor", "revoke_api_token"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        enrolled = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_two_factor=Exists(enrolled))

    @admin.display(description=_("Two-factor"), boolean=True, ordering="has_two_factor")
    def two_factor(self, person: Any) -> bool:
        return bool(person.has_two_factor)

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return not _guards(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return not _guards(request, obj) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is None:
            return fields  # adding: the invite form holds nothing more
        if not request.user.is_superuser:
            fields += security_services.SUPERUSER_ONLY
        if obj.pk == request.user.pk:
            fields += security_services.NOT_ONES_OWN
        return list(dict.fromkeys(fields))

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        if request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        if obj is None:
            return self.invite_fieldsets
        if obj.pk == request.user.pk:
            return super().get_fieldsets(request, obj)
        # Another person's password is not theirs to set: no link to that form.
        (name, options), *rest = super().get_fieldsets(request, obj)
        fields = [field for field in options["fields"] if field != "password"]
        return ((name, {**options, "fields": fields}), *rest)

    def get_form(
        self, request: HttpRequest, obj: User | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None and not request.user.is_superuser:
            kwargs["form"] = PersonInviteForm
        form = super().get_form(request, obj, change=change, **kwargs)
        if issubclass(form, PersonChangeForm):
            form = type(form.__name__, (form,), {"actor": request.user})
        return form

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm, formsets: list[BaseFormSet], change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        # The last gate, inside the admin's transaction: what the person now holds is put to
        # the rule again, so a refusal undoes the whole save; then it is recorded and told.
        try:
            security_services.account_change_record(
                actor=person_require_signed_in(request.user),
                person=form.instance,
                before=getattr(form, "account_before", None),
            )
        except ApplicationError as exc:
            raise PermissionDenied(exc.message) from exc

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        person = self.get_object(request, unquote(id))
        if person is not None and person.pk != request.user.pk and not request.user.is_superuser:
            raise PermissionDenied
        response = super().user_change_password(request, id, form_url)
        if person is not None and request.method == "POST" and response.status_code == 302:
            security_services.password_set_record(
                actor=person_require_signed_in(request.user), person=person
            )
        return response

    @admin.action(
        description=_("Reset two-factor sign-in (they set it up again when they next log in)"),
        permissions=["reset_two_factor"],
    )
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        done = self._each(request, queryset, security_services.two_factor_reset)
        if done:
            self.message_user(
                request,
                ngettext(
                    "Two-factor sign-in reset for %(count)d person; they set it up again when "
                    "they next log in.",
                    "Two-factor sign-in reset for %(count)d people; they set it up again when "
                    "they next log in.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )

    @admin.action(description=_("Revoke API token"), permissions=["change"])
    def revoke_api_token(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        done = self._each(request, queryset, security_services.api_token_revoke)
        if done:
            self.message_user(
                request,
                ngettext(
                    "API token revoked for %(count)d person.",
                    "API tokens revoked for %(count)d people.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )

    def has_reset_two_factor_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def _each(self, request: HttpRequest, queryset: QuerySet[Any], service: Any) -> int:
        """Call the service for each person chosen; say each refusal; count the rest."""
        done = 0
        for person in queryset:
            try:
                service(actor=request.user, person=person)
            except ApplicationError as exc:
                self.message_user(request, f"{person}: {exc.message}", messages.ERROR)
            else:
                done += 1
        return done


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(auth_admin.GroupAdmin):
    """The groups hold the permission matrix (config/permissions.py, re-synced by migrations)
    and the code finds them by name: only a superuser adds, renames or changes one. (Renaming
    Manager to Responder would otherwise let an admin hand out approval as "Responder".)"""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Group | None = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Group | None = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(PersonChange)
class PersonChangeAdmin(ReadOnlyAdmin):
    """Every change to who a person is or what they may do, kept for good."""

    list_display = ["at", "person", "what", "actor"]
    list_select_related = ["person", "actor"]
    search_fields = ["person__username", "person__email", "actor__username"]


# A person's second factor is seen in the people list and reset by a superuser's action there;
# its devices (keys, recovery codes) have no admin pages.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)

admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class TokenAdmin(admin.ModelAdmin):
    """Who holds an API token, and since when. A key is never shown here (a token's name is
    its key, so there are no token pages at all): ``manage.py drf_create_token`` prints it
    once, at creation; revoke with the people admin's action."""

    list_display = ["user", "created"]
    list_display_links = None
    list_select_related = ["user"]
    search_fields = ["user__username"]
    ordering = ["user__username"]
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TokenProxy | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: TokenProxy | None = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: TokenProxy | None = None) -> bool:
        return obj is None and super().has_view_permission(request, obj)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    ordering = ["position"]

    def get_readonly_fields(self, request: HttpRequest, obj: Role | None = None) -> list[str]:
        return ["slug"] if obj else []

    def has_delete_permission(self, request: HttpRequest, obj: Role | None = None) -> bool:
        return False  # code and history refer to roles; rename instead


@admin.register(RosterMember)
class RosterMemberAdmin(admin.ModelAdmin):
    list_display = ["role", "person", "kind"]
    list_filter = ["role", "kind"]
    list_select_related = ["role", "person"]
    autocomplete_fields = ["person"]


@admin.register(OnCallShift)
class OnCallShiftAdmin(admin.ModelAdmin):
    list_display = ["role", "person", "starts_at", "ends_at"]
    list_filter = ["role"]
    list_select_related = ["role", "person"]
    autocomplete_fields = ["person"]
    readonly_fields = ["created_by"]

    def save_model(
        self, request: HttpRequest, obj: OnCallShift, form: forms.ModelForm, change: bool
    ) -> None:
        if not change:
            obj.created_by = person_require_signed_in(request.user)
        super().save_model(request, obj, form, change)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["incident", "role", "person", "assigned_at", "relieved_at"]
    list_filter = ["role"]
    list_select_related = ["incident", "role", "person"]


class ContactInline(admin.TabularInline):
    model = StakeholderContact
    extra = 0


@admin.register(StakeholderGroup)
class StakeholderGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    inlines = [ContactInline]


@admin.register(CommunicationPlanEntry)
class CommunicationPlanEntryAdmin(admin.ModelAdmin):
    list_display = ["severity", "group", "channel", "within_minutes"]
    list_filter = ["severity", "channel"]
    list_select_related = ["group"]


@admin.register(StakeholderUpdate)
class StakeholderUpdateAdmin(ReadOnlyAdmin):
    list_display = ["incident", "group", "channel", "told_at"]
    list_select_related = ["incident", "group"]


@admin.register(StaffBriefing)
class StaffBriefingAdmin(ReadOnlyAdmin):
    list_display = ["incident", "sent_at", "recipient_count", "notified_count", "notified_at"]


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["at", "ok", "status_code", "error", "duration_ms"]
    readonly_fields = ["at", "ok", "status_code", "error", "duration_ms"]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "reason", "title", "created_at", "read_at"]
    list_filter = ["reason"]
    list_select_related = ["recipient"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["notification", "channel", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["channel", "status"]
    list_select_related = ["notification"]
    inlines = [AttemptInline]


@admin.register(StakeholderContact)
class StakeholderContactAdmin(admin.ModelAdmin):
    list_display = ["name", "group", "organisation", "email", "phone"]
    list_select_related = ["group"]
    search_fields = ["name", "organisation", "email"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["person", "reason", "email", "webhook"]
    list_filter = ["reason"]
    list_select_related = ["person"]


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnlyAdmin):
    list_display = ["delivery", "at", "ok", "status_code", "duration_ms"]
    list_filter = ["ok"]


# The response schedule: policies are edited on their own page (validated there, the chain
# included); what the engine planned and fired is its record, read-only.


@admin.register(ResponsePolicy)
class ResponsePolicyAdmin(ReadOnlyAdmin):
    list_display = [
        "severity",
        "acknowledge_minutes",
        "statement_minutes",
        "update_minutes",
        "approvals_required",
        "updated_at",
    ]


@admin.register(EscalationStep)
class EscalationStepAdmin(ReadOnlyAdmin):
    list_display = ["policy", "position", "offset_minutes", "targets"]
    list_select_related = ["policy"]


@admin.register(IncidentPlan)
class IncidentPlanAdmin(ReadOnlyAdmin):
    list_display = ["incident", "severity", "copied_at"]
    list_select_related = ["incident"]


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "owner", "due_at", "met_at", "cancelled_at", "next_step_at"]
    list_filter = ["kind"]
    list_select_related = ["owner"]
    search_fields = ["title", "subject"]


@admin.register(DeadlineStep)
class DeadlineStepAdmin(ReadOnlyAdmin):
    list_display = ["deadline", "position", "due_at", "fired_at", "recipients", "by_sweeper"]
    list_select_related = ["deadline"]


@admin.register(EngineHealth)
class EngineHealthAdmin(ReadOnlyAdmin):
    list_display = ["last_sweep_at", "worst_lateness_seconds", "backlog", "redriven_total"]


class MitigationInline(ReadOnlyInline):
    model = Mitigation
    fields = ["text", "owner", "status"]


@admin.register(Risk)
class RiskAdmin(ReadOnlyAdmin):
    """Read-only: the register is kept through its services, which keep every change and plan
    the review deadline."""

    list_display = ["title", "category", "likelihood", "impact", "owner", "status", "review_at"]
    list_filter = ["status", "category"]
    search_fields = ["title"]
    list_select_related = ["owner"]
    inlines = [MitigationInline]


@admin.register(Mitigation)
class MitigationAdmin(ReadOnlyAdmin):
    list_display = ["text", "risk", "owner", "status"]
    list_filter = ["status"]
    list_select_related = ["risk", "owner"]


@admin.register(RiskChange)
class RiskChangeAdmin(ReadOnlyAdmin):
    list_display = ["risk", "what", "actor", "at"]
    list_select_related = ["risk", "actor"]


class PlaybookStakeholderInline(ReadOnlyInline):
    model = PlaybookStakeholder
    fields = ["group", "channel", "within_minutes"]


@admin.register(Playbook)
class PlaybookAdmin(ReadOnlyAdmin):
    """Read-only: playbooks are written on their pages, where each edit is a new version."""

    list_display = ["name", "category", "created_at", "archived_at"]
    list_filter = ["category"]
    search_fields = ["name"]


@admin.register(PlaybookVersion)
class PlaybookVersionAdmin(ReadOnlyAdmin):
    list_display = ["playbook", "number", "severity_hint", "created_by", "created_at"]
    list_select_related = ["playbook", "created_by"]
    inlines = [PlaybookStakeholderInline]


@admin.register(PlaybookStakeholder)
class PlaybookStakeholderAdmin(ReadOnlyAdmin):
    list_display = ["version", "group", "channel", "within_minutes"]
    list_select_related = ["version__playbook", "group"]


@admin.register(PlaybookRun)
class PlaybookRunAdmin(ReadOnlyAdmin):
    list_display = ["incident", "version", "applied_by", "applied_at"]
    list_select_related = ["incident", "version__playbook", "applied_by"]
