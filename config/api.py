"""The REST API's routes: /api/v1/…"""

from rest_framework.routers import DefaultRouter

from incidents.api import ChecklistItemViewSet, ClaimViewSet, IncidentViewSet

router = DefaultRouter()
router.register("incidents", IncidentViewSet, basename="incident")
router.register(r"incidents/(?P<incident_pk>\d+)/claims", ClaimViewSet, basename="claim")
router.register(
    r"incidents/(?P<incident_pk>\d+)/checklist", ChecklistItemViewSet, basename="checklist-item"
)

urlpatterns = router.urls
