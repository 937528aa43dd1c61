"""Admin pages for people and the team's reference data. Records that belong to an incident
(role assignments, stakeholder updates, briefings) and the notification log are read-only
here: they change through the app, which writes the timeline."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from incidents.admin import ReadOnlyAdmin

from .models import (
    CommunicationPlanEntry,
    Delivery,
    DeliveryAttempt,
    Department,
    Drill,
    Notification,
    NotificationPreference,
    OnCallShift,
    Role,
    RoleAssignment,
    RosterMember,
    StaffBriefing,
    StakeholderContact,
    StakeholderGroup,
    StakeholderUpdate,
    User,
)


@admin.register(User)
class PersonAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "department", "is_active"]
    list_filter = ["is_active", "is_staff", "groups", "department"]
    list_select_related = ["department"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Profile"), {"fields": ("department", "title", "phone", "timezone", "webhook_url")}),
    )


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    ordering = ["position"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["slug"] if obj else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
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

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Drill)
class DrillAdmin(ReadOnlyAdmin):
    list_display = ["title", "held_at"]


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
    list_display = ["incident", "sent_at", "recipient_count"]


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["at", "ok", "status_code", "error", "duration_ms"]
    readonly_fields = ["at", "ok", "status_code", "error", "duration_ms"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "reason", "title", "created_at", "read_at"]
    list_filter = ["reason"]
    list_select_related = ["recipient"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["notification", "channel", "status", "attempts", "sent_at"]
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
