from django.contrib import admin

from incidents.admin import ReadOnlyAdmin

from .models import Drill, DrillRun


@admin.register(Drill)
class DrillAdmin(ReadOnlyAdmin):
    """Read-only: drills are recorded on their pages."""

    list_display = ["title", "held_at"]


@admin.register(DrillRun)
class DrillRunAdmin(ReadOnlyAdmin):
    """Read-only: drills are started, played and finished on their pages."""

    list_display = ["drill", "scenario_name", "speed", "status", "started_at", "incident"]
    list_filter = ["status"]
    list_select_related = ["drill", "incident"]
