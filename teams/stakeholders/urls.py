"""/team/stakeholders/…: the groups and the plan, and the incident panels' endpoints."""

from django.urls import path

from . import views

app_name = "stakeholders"

_INCIDENT = "incidents/<str:reference>/"

urlpatterns = [
    path("", views.index, name="index"),
    path("plan/add/", views.plan_add, name="plan-add"),
    path("plan/<int:pk>/edit/", views.plan_edit, name="plan-edit"),
    path("plan/<int:pk>/remove/", views.plan_remove, name="plan-remove"),
    path("groups/add/", views.group_edit, name="group-add"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group-edit"),
    path("groups/<int:group_pk>/contacts/add/", views.contact_add, name="contact-add"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact-edit"),
    path("contacts/<int:pk>/remove/", views.contact_remove, name="contact-remove"),
    path(_INCIDENT, views.incident_panel, name="incident-panel"),
    path(_INCIDENT + "updates/", views.update_record, name="update-record"),
]
