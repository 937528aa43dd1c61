"""Admin pages for postmortems. All read-only: a postmortem moves through draft, review and
publication on its own pages, which check who may do what, keep the revision history and
write the timeline; an action item's reminders and escalations are planned by the same
services. Export files are never shown here: a report may only be downloaded by the person
who asked for it."""

from django.contrib import admin

from incidents.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import ActionItem, ExportJob, KeyEvent, Postmortem, PostmortemRevision, ReviewComment


class ActionItemInline(ReadOnlyInline):
    model = ActionItem
    fields = ["title", "owner", "due_date", "priority", "kind", "status"]


class RevisionInline(ReadOnlyInline):
    model = PostmortemRevision
    fields = ["number", "published_at", "published_by", "correction"]


@admin.register(Postmortem)
class PostmortemAdmin(ReadOnlyAdmin):
    list_display = ["incident", "status", "owner", "revision", "published_at", "updated_at"]
    list_filter = ["status"]
    search_fields = ["incident__reference", "incident__title"]
    list_select_related = ["incident", "owner"]
    exclude = ["facts"]
    inlines = [ActionItemInline, RevisionInline]


@admin.register(PostmortemRevision)
class PostmortemRevisionAdmin(ReadOnlyAdmin):
    list_display = ["postmortem", "number", "published_at", "published_by"]
    list_select_related = ["postmortem__incident", "published_by"]


@admin.register(ReviewComment)
class ReviewCommentAdmin(ReadOnlyAdmin):
    list_display = ["postmortem", "author", "section", "revision", "created_at"]
    list_select_related = ["postmortem__incident", "author"]


@admin.register(KeyEvent)
class KeyEventAdmin(ReadOnlyAdmin):
    list_display = ["postmortem", "event", "marked_by", "marked_at"]
    list_select_related = ["postmortem__incident", "event", "marked_by"]


@admin.register(ActionItem)
class ActionItemAdmin(ReadOnlyAdmin):
    list_display = ["title", "postmortem", "owner", "due_date", "priority", "kind", "status"]
    list_filter = ["status", "priority", "kind"]
    search_fields = ["title"]
    list_select_related = ["postmortem__incident", "owner"]


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    list_display = ["id", "postmortem", "format", "requested_by", "status", "progress", "size"]
    list_filter = ["status", "format"]
    list_select_related = ["postmortem__incident", "requested_by"]
    exclude = ["content"]
