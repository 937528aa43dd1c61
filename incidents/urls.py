"""/incidents/…: the list, the war room and its core panels. The team serves declaring,
editing, roles and the checklist under the same prefix (teams/urls.py)."""

from django.urls import path

from . import views

app_name = "incidents"

_INCIDENT = "<str:reference>/"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path(_INCIDENT, views.incident_detail, name="detail"),
    path(_INCIDENT + "transition/", views.incident_transition, name="transition"),
    path(_INCIDENT + "acknowledge/", views.incident_acknowledge, name="acknowledge"),
    path(_INCIDENT + "timeline/", views.timeline_panel, name="timeline"),
    path(_INCIDENT + "notes/", views.note_add, name="note-add"),
    path(_INCIDENT + "claims/", views.claims_panel, name="claims"),
    path(_INCIDENT + "claims/add/", views.claim_add, name="claim-add"),
    path(_INCIDENT + "claims/<int:claim_id>/status/", views.claim_status, name="claim-status"),
]
