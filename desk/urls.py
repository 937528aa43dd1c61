"""/incidents/…: the lifecycle's pages (declare, edit, move, acknowledge). config/urls.py
includes them before the war room's /incidents/<reference>/, so "declare" is never read as a
reference."""

from django.urls import path

from . import views

app_name = "desk"

_INCIDENT = "<str:reference>/"

urlpatterns = [
    path("declare/", views.declare, name="declare"),
    path(_INCIDENT + "edit/", views.edit, name="edit"),
    path(_INCIDENT + "transition/", views.transition, name="transition"),
    path(_INCIDENT + "acknowledge/", views.acknowledge, name="acknowledge"),
]
