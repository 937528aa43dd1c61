"""REST endpoints under /api/v1/incidents/: reading incidents, their timeline and rumour
register. Views parse input and call the same services as the
pages, so the rules hold in both; ApplicationError becomes a 4xx in config.errors.

Declaring, editing and moving an incident are flows across the apps: desk.api extends
IncidentViewSet with them (the router serves that one); teams.api serves the checklist."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from config.people import person_require_signed_in
from config.permissions import (
    ADD_CLAIM,
    ADD_NOTE,
    VERIFY_CLAIM,
)
from config.rest import PERMISSIONS
from config.viewsets import AnswersFresh

from . import selectors, services
from .filters import IncidentFilter
from .models import Claim, Incident
from .serializers import (
    ClaimCreateSerializer,
    ClaimSerializer,
    ClaimStatusSerializer,
    IncidentSerializer,
    NoteSerializer,
    TimelineEventSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="List incidents", description="Filter, search, sort, page."),
    retrieve=extend_schema(summary="Read one incident"),
)
class IncidentViewSet(AnswersFresh, viewsets.GenericViewSet):
    serializer_class = IncidentSerializer
    lookup_value_regex = r"\d+"
    filterset_class = IncidentFilter
    permission_classes = PERMISSIONS
    action_permissions = {("timeline", "POST"): ADD_NOTE}

    def get_queryset(self) -> QuerySet[Incident]:
        return selectors.incident_list(user=self.request.user)

    def list(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        methods=["GET"],
        summary="The incident's timeline, newest first",
        filters=False,
        responses=TimelineEventSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a note to the timeline (optionally back-dated)",
        filters=False,
        request=NoteSerializer,
        responses={201: TimelineEventSerializer},
    )
    @action(detail=True, methods=["get", "post"], filterset_class=None)
    def timeline(self, request: Request, pk: str) -> Response:
        incident = self.get_object()
        if request.method == "POST":
            data = NoteSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            event = services.incident_note_add(
                actor=person_require_signed_in(request.user),
                incident=incident,
                **data.validated_data,
            )
            return Response(TimelineEventSerializer(event).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(selectors.incident_timeline(incident=incident))
        return self.get_paginated_response(TimelineEventSerializer(page, many=True).data)


class IncidentScopedViewSet(viewsets.GenericViewSet):
    """Endpoints under /incidents/{incident_pk}/… (other apps' incident records use it too)."""

    permission_classes = PERMISSIONS
    filterset_class = None
    lookup_value_regex = r"\d+"

    def get_incident(self) -> Incident:
        return get_object_or_404(
            selectors.incident_list(user=self.request.user), pk=self.kwargs["incident_pk"]
        )


class IncidentChildViewSet(IncidentScopedViewSet):
    """Lists and reads one kind of record of an incident."""

    def list(self, request: Request, incident_pk: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, incident_pk: str, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)


@extend_schema_view(
    list=extend_schema(summary="The incident's rumour register"),
    retrieve=extend_schema(summary="Read one claim"),
)
class ClaimViewSet(IncidentChildViewSet):
    serializer_class = ClaimSerializer
    action_permissions = {
        ("create", "POST"): ADD_CLAIM,
        ("partial_update", "PATCH"): VERIFY_CLAIM,
    }

    def get_queryset(self) -> QuerySet[Claim]:
        if getattr(self, "swagger_fake_view", False):
            return Claim.objects.none()
        return selectors.incident_claims(incident=self.get_incident())

    @extend_schema(
        summary="Record a claim",
        request=ClaimCreateSerializer,
        responses={201: ClaimSerializer},
    )
    def create(self, request: Request, incident_pk: str) -> Response:
        data = ClaimCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claim = services.claim_add(
            actor=person_require_signed_in(request.user),
            incident=self.get_incident(),
            **data.validated_data,
        )
        return Response(ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a claim's status, with evidence for a verdict",
        request=ClaimStatusSerializer,
        responses={200: ClaimSerializer},
    )
    def partial_update(self, request: Request, incident_pk: str, pk: str) -> Response:
        data = ClaimStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claim = services.claim_set_status(
            actor=person_require_signed_in(request.user),
            claim=self.get_object(),
            **data.validated_data,
        )
        return Response(ClaimSerializer(claim).data)
