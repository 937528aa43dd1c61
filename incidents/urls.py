from django.urls import path

from . import views

app_name = "incidents"

_INCIDENT = "<str:reference>/"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("declare/", views.incident_declare, name="declare"),
    path(_INCIDENT, views.incident_detail, name="detail"),
    path(_INCIDENT + "edit/", views.incident_edit, name="edit"),
    path(_INCIDENT + "transition/", views.incident_transition, name="transition"),
    path(_INCIDENT + "acknowledge/", views.incident_acknowledge, name="acknowledge"),
    path(_INCIDENT + "timeline/", views.timeline_panel, name="timeline"),
    path(_INCIDENT + "notes/", views.note_add, name="note-add"),
    path(_INCIDENT + "claims/", views.claims_panel, name="claims"),
    path(_INCIDENT + "claims/add/", views.claim_add, name="claim-add"),
    path(_INCIDENT + "claims/<int:claim_id>/status/", views.claim_status, name="claim-status"),
    path(_INCIDENT + "roles/", views.roles_panel, name="roles"),
    path(_INCIDENT + "roles/assign/", views.role_assign, name="role-assign"),
    path(_INCIDENT + "roles/<int:assignment_id>/relieve/", views.role_relieve, name="role-relieve"),
    path(_INCIDENT + "checklist/", views.checklist_panel, name="checklist"),
    path(_INCIDENT + "checklist/add/", views.checklist_add, name="checklist-add"),
    path(_INCIDENT + "checklist/<int:item_id>/", views.checklist_update, name="checklist-update"),
    path(_INCIDENT + "checklist/<int:item_id>/done/", views.checklist_done, name="checklist-done"),
]
