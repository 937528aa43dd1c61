"""/communications/mentions/…: the triage queue, one mention, and the triage actions (their
pages show the replies sent, so they are wired at the top of the app)."""

from django.urls import path

from communications.views import mentions as views

app_name = "mentions"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("add/", views.add, name="add"),
    path("bulk/", views.bulk, name="bulk"),
    path("presence/", views.presence, name="presence"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/triage/", views.triage, name="triage"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/link/", views.link, name="link"),
]
