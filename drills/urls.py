"""/drills/…: the drills held and their records, starting one from a scenario, a run as it
plays, its report and finishing it."""

from django.urls import path

from .views import records, reports, runs

app_name = "drills"

urlpatterns = [
    path("", records.drills, name="list"),
    path("new/", records.drill_edit, name="new"),
    path("<int:pk>/", records.drill, name="detail"),
    path("<int:pk>/edit/", records.drill_edit, name="edit"),
    path("start/", runs.drill_start, name="start"),
    path("runs/<int:pk>/", runs.drill_run, name="run"),
    path("runs/<int:pk>/report/", reports.drill_report, name="report"),
    path("runs/<int:pk>/finish/", reports.drill_finish, name="finish"),
]
