"""/postmortems/…: the list and the open action items; under
/incidents/<reference>/postmortem/ the postmortem of one incident and the forms its page
posts."""

from django.urls import path

from . import export_views, views

app_name = "postmortems"

urlpatterns = [
    path("postmortems/", views.postmortem_list, name="list"),
    path("postmortems/action-items/", views.action_items, name="action-items"),
    path("postmortems/exports/<uuid:job_id>/", export_views.export_job, name="export-job"),
    path(
        "postmortems/exports/<uuid:job_id>/download/",
        export_views.export_job_download,
        name="export-job-download",
    ),
    path("incidents/<str:reference>/postmortem/", views.detail, name="detail"),
    path("incidents/<str:reference>/postmortem/start/", views.start, name="start"),
    path("incidents/<str:reference>/postmortem/export/", export_views.export, name="export"),
    path("incidents/<str:reference>/postmortem/sections/", views.sections, name="sections"),
    path("incidents/<str:reference>/postmortem/move/", views.move, name="move"),
    path("incidents/<str:reference>/postmortem/comments/", views.comment_add, name="comment-add"),
    path("incidents/<str:reference>/postmortem/key-events/", views.key_event, name="key-event"),
    path(
        "incidents/<str:reference>/postmortem/action-items/",
        views.action_item_add,
        name="action-item-add",
    ),
    path(
        "incidents/<str:reference>/postmortem/action-items/status/",
        views.action_item_status,
        name="action-item-status",
    ),
]
