"""The REST API's routes: /api/v1/…"""

from django.urls import path
from rest_framework.routers import DefaultRouter

from communications import api as communications_api
from communications import listening_api
from communications.listening.mentions import api as mentions_api
from communications.listening_api import VolumeView
from desk.api import IncidentViewSet
from drills import api as drills_api
from incidents.api import ClaimViewSet
from postmortems import api as postmortems_api
from teams.api import (
    ChecklistItemViewSet,
    IncidentRolesViewSet,
    NotificationViewSet,
    OnCallView,
    PersonViewSet,
    RoleViewSet,
)
from teams.risks import api as risks_api
from teams.schedule import api as schedule_api
from teams.stakeholders import api as stakeholders_api

router = DefaultRouter()
router.register("incidents", IncidentViewSet, basename="incident")
router.register(r"incidents/(?P<incident_pk>\d+)/claims", ClaimViewSet, basename="claim")
router.register(
    r"incidents/(?P<incident_pk>\d+)/checklist", ChecklistItemViewSet, basename="checklist-item"
)
router.register(
    r"incidents/(?P<incident_pk>\d+)/roles", IncidentRolesViewSet, basename="incident-role"
)
router.register("people", PersonViewSet, basename="person")
router.register("roles", RoleViewSet, basename="role")
router.register("notifications", NotificationViewSet, basename="notification")
stakeholders_api.register(router)
schedule_api.register(router)
risks_api.register(router)
mentions_api.register(router)
listening_api.register(router)
communications_api.register(router)
postmortems_api.register(router)
drills_api.register(router)

urlpatterns = [
    path("oncall/", OnCallView.as_view(), name="oncall"),
    path("volume/", VolumeView.as_view(), name="volume"),
    *router.urls,
]
