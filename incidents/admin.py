"""Admin pages: every incident record can be looked up here, but changes go through the app,
whose services check the rules and write the timeline. Nothing is deleted."""

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from .models import ChecklistItem, Claim, Incident, ReferenceCounter, Tag, TimelineEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ClaimInline(ReadOnlyInline):
    model = Claim
    fields = ["statement", "status", "evidence", "verified_by", "verified_at"]


class ChecklistInline(ReadOnlyInline):
    model = ChecklistItem
    fields = ["title", "assignee", "due_at", "done_at", "done_by"]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "severity", "status", "category", "detected_at"]
    list_filter = ["status", "severity", "category", "source"]
    search_fields = ["reference", "title", "summary"]
    date_hierarchy = "detected_at"
    list_select_related = ["declared_by"]
    inlines = [ClaimInline, ChecklistInline]


@admin.register(TimelineEvent)
class TimelineEventAdmin(ReadOnlyAdmin):
    list_display = ["incident", "at", "kind", "actor", "text"]
    list_filter = ["kind"]
    search_fields = ["incident__reference", "text"]
    list_select_related = ["incident", "actor"]
    date_hierarchy = "at"


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ["statement", "incident", "status", "first_seen_at", "verified_by"]
    list_filter = ["status"]
    search_fields = ["statement", "incident__reference"]
    list_select_related = ["incident", "verified_by"]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(ReadOnlyAdmin):
    list_display = ["title", "incident", "assignee", "due_at", "done_at"]
    search_fields = ["title", "incident__reference"]
    list_select_related = ["incident", "assignee"]


@admin.register(ReferenceCounter)
class ReferenceCounterAdmin(ReadOnlyAdmin):
    list_display = ["year", "last_number"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]

    def has_delete_permission(self, request: HttpRequest, obj: Tag | None = None) -> bool:
        return False
