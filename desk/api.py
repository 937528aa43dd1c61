"""/api/v1/incidents/ as the router serves it: the core's reads (incidents.api), and the
lifecycle's writes, each calling the one flow that performs it across the apps: declare
(teams.flows), change the details (communications.flows), move along the lifecycle."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from communications import flows as communication_flows
from communications.serializers import PlaybookAppliedSerializer, PlaybookApplySerializer
from config.people import person_require_signed_in
from config.permissions import ADD_CHECKLIST_ITEM, DECLARE_INCIDENT, EDIT_INCIDENT
from incidents import api as incident_api
from incidents.serializers import IncidentSerializer, IncidentUpdateSerializer, TransitionSerializer
from postmortems import flows as postmortem_flows
from teams import flows as team_flows
from teams.serializers import IncidentCreateSerializer


class IncidentViewSet(incident_api.IncidentViewSet):
    action_permissions: dict[tuple[str, str], Any] = {
        **incident_api.IncidentViewSet.action_permissions,
        ("create", "POST"): DECLARE_INCIDENT,
        ("partial_update", "PATCH"): EDIT_INCIDENT,
        ("apply_playbook", "POST"): ADD_CHECKLIST_ITEM,
    }

    @extend_schema(
        summary="Declare an incident",
        request=IncidentCreateSerializer,
        responses={201: IncidentSerializer},
    )
    def create(self, request: Request) -> Response:
        data = IncidentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        if not fields["declare_key"] and request.headers.get("Idempotency-Key"):
            fields["declare_key"] = request.headers["Idempotency-Key"]
        incident = team_flows.incident_declare(
            actor=person_require_signed_in(request.user), **fields
        )
        return self._fresh(incident, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an incident's details (only the fields sent)",
        request=IncidentUpdateSerializer,
        responses={200: IncidentSerializer},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        data = IncidentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = communication_flows.incident_update(
            actor=person_require_signed_in(request.user),
            incident=self.get_object(),
            **data.validated_data,
        )
        return self._fresh(incident)

    @extend_schema(
        summary="Move an incident along its lifecycle",
        request=TransitionSerializer,
        responses={200: IncidentSerializer},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str) -> Response:
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = postmortem_flows.incident_transition(
            actor=person_require_signed_in(request.user),
            incident=self.get_object(),
            **data.validated_data,
        )
        return self._fresh(incident)

    @extend_schema(
        summary="Apply a playbook to a running incident (its current version)",
        description='Adds its checklist (due so many minutes from now), a "staff the role" '
        "item for each role nobody holds, naming whom the roster suggests, and an item for "
        "each stakeholder group to tell. Each item is added once: applying again adds only "
        "what is missing (added is then empty). Its templates are offered in the composer. "
        "400 for an archived playbook; 409 for a closed or declined incident.",
        request=PlaybookApplySerializer,
        responses={200: PlaybookAppliedSerializer},
    )
    @action(detail=True, methods=["post"], url_path="apply-playbook")
    def apply_playbook(self, request: Request, pk: str) -> Response:
        data = PlaybookApplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run, added = team_flows.incident_playbook_apply(
            actor=person_require_signed_in(request.user),
            incident=self.get_object(),
            **data.validated_data,
        )
        return Response(
            PlaybookAppliedSerializer(
                {"version": run.version, "applied_at": run.applied_at, "added": added}
            ).data
        )
