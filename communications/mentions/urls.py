"""/communications/mentions/…: the triage queue, one mention, and the triage actions."""

from django.urls import path

from . import views

app_name = "mentions"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("add/", views.add, name="add"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/triage/", views.triage, name="triage"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/link/", views.link, name="link"),
]
