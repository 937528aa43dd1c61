"""REST endpoints for stakeholders under /api/v1/: the groups with their contacts and plan,
and per incident what was told to whom and the staff briefings. Views parse input and call
the same services as the pages; ApplicationError becomes a 4xx in config.errors."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from config.people import person_require_signed_in
from config.permissions import MANAGE_STAKEHOLDERS, RECORD_STAKEHOLDER_UPDATE
from config.rest import PERMISSIONS
from config.viewsets import AnswersFresh
from incidents.api import IncidentChildViewSet
from teams.models import StaffBriefing, StakeholderGroup, StakeholderUpdate

from . import selectors, services
from .serializers import (
    StaffBriefingSerializer,
    StakeholderGroupSerializer,
    StakeholderGroupWriteSerializer,
    StakeholderUpdateCreateSerializer,
    StakeholderUpdateSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="Stakeholder groups with their contacts and plan entries"),
    retrieve=extend_schema(summary="One stakeholder group"),
)
class StakeholderGroupViewSet(AnswersFresh, viewsets.GenericViewSet):
    serializer_class = StakeholderGroupSerializer
    permission_classes = PERMISSIONS
    filterset_class = None
    lookup_value_regex = r"\d+"
    action_permissions = {
        ("create", "POST"): MANAGE_STAKEHOLDERS,
        ("partial_update", "PATCH"): MANAGE_STAKEHOLDERS,
    }

    def get_queryset(self) -> QuerySet[StakeholderGroup]:
        return selectors.stakeholder_groups(user=self.request.user)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Add a stakeholder group (managers)",
        request=StakeholderGroupWriteSerializer,
        responses={201: StakeholderGroupSerializer},
    )
    def create(self, request: Request) -> Response:
        data = StakeholderGroupWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        group = services.stakeholder_group_save(
            actor=person_require_signed_in(request.user), **data.validated_data
        )
        return self._fresh(group, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a stakeholder group (only the fields sent; managers)",
        request=StakeholderGroupWriteSerializer,
        responses={200: StakeholderGroupSerializer},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        data = StakeholderGroupWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        group = self.get_object()
        fields = {
            "name": group.name,
            "kind": group.kind,
            "description": group.description,
            **data.validated_data,
        }
        group = services.stakeholder_group_save(
            actor=person_require_signed_in(request.user), group=group, **fields
        )
        return self._fresh(group)


@extend_schema_view(
    list=extend_schema(summary="What was told to which stakeholders, latest first"),
    retrieve=extend_schema(summary="One stakeholder update"),
)
class StakeholderUpdateViewSet(IncidentChildViewSet):
    serializer_class = StakeholderUpdateSerializer
    action_permissions = {("create", "POST"): RECORD_STAKEHOLDER_UPDATE}

    def get_queryset(self) -> QuerySet[StakeholderUpdate]:
        if getattr(self, "swagger_fake_view", False):
            return StakeholderUpdate.objects.none()
        return selectors.incident_stakeholder_updates(incident=self.get_incident())

    @extend_schema(
        summary="Record that a stakeholder group was told something",
        description="Ticks the communication plan's open checklist item for the group and "
        "channel, and lands on the incident's timeline.",
        request=StakeholderUpdateCreateSerializer,
        responses={201: StakeholderUpdateSerializer},
    )
    def create(self, request: Request, incident_pk: str) -> Response:
        incident = self.get_incident()
        data = StakeholderUpdateCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        update = services.stakeholder_update_record(
            actor=person_require_signed_in(request.user), incident=incident, **data.validated_data
        )
        fresh = self.get_queryset().get(pk=update.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="The incident's staff briefings that went out, latest first"),
    retrieve=extend_schema(summary="One staff briefing that went out"),
)
class StaffBriefingViewSet(IncidentChildViewSet):
    """The briefings sent; writing one is an outgoing message (communications.api extends
    this with it and serves the route)."""

    serializer_class = StaffBriefingSerializer

    def get_queryset(self) -> QuerySet[StaffBriefing]:
        if getattr(self, "swagger_fake_view", False):
            return StaffBriefing.objects.none()
        return selectors.incident_staff_briefings(incident=self.get_incident())


def register(router: BaseRouter) -> None:
    """Add the stakeholder endpoints to the API's router (config/api.py calls this)."""
    router.register("stakeholders", StakeholderGroupViewSet, basename="stakeholder-group")
    router.register(
        r"incidents/(?P<incident_pk>\d+)/stakeholder-updates",
        StakeholderUpdateViewSet,
        basename="stakeholder-update",
    )
