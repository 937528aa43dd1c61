"""/incidents/…: the list, the war room and its core panels. Under the same prefix the desk
serves the lifecycle's pages (declare, edit, move, acknowledge) and the team the roles and
checklist panels."""

from django.urls import path

from . import views

app_name = "incidents"

_INCIDENT = "<str:reference>/"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path(_INCIDENT, views.incident_detail, name="detail"),
    path(_INCIDENT + "timeline/", views.timeline_panel, name="timeline"),
    path(_INCIDENT + "notes/", views.note_add, name="note-add"),
    path(_INCIDENT + "claims/", views.claims_panel, name="claims"),
    path(_INCIDENT + "claims/add/", views.claim_add, name="claim-add"),
    path(_INCIDENT + "claims/<int:claim_id>/status/", views.claim_status, name="claim-status"),
]
