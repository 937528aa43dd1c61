"""REST endpoints of the response schedule under /api/v1/: the policies per severity (admins
edit them), and the deadlines with acknowledging and snoozing their escalation. Views parse
input and call the same services as the pages; ApplicationError becomes a 4xx in
config.errors."""

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from config.people import person_require_signed_in
from config.permissions import MANAGE_POLICIES, WORK_DEADLINES
from config.rest import PERMISSIONS
from config.viewsets import AnswersFresh

from ..models import Deadline, EscalationStep, ResponsePolicy
from . import engine, policies
from .filters import DeadlineFilter
from .serializers import (
    DeadlineAcknowledgeSerializer,
    DeadlineSerializer,
    DeadlineSnoozeSerializer,
    PolicySerializer,
    PolicyUpdateSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="The response policies, one per severity"),
    retrieve=extend_schema(summary="The response policy of one severity"),
)
class PolicyViewSet(viewsets.GenericViewSet):
    serializer_class = PolicySerializer
    permission_classes = PERMISSIONS
    filterset_class = None
    pagination_class = None
    lookup_field = "severity"
    lookup_value_regex = "[1-4]"
    action_permissions = {("partial_update", "PATCH"): MANAGE_POLICIES}

    def get_queryset(self) -> QuerySet[ResponsePolicy]:
        return (
            ResponsePolicy.objects.select_related("updated_by")
            .prefetch_related(
                Prefetch("steps", queryset=EscalationStep.objects.order_by("position"))
            )
            .order_by("severity")
        )

    def list(self, request: Request) -> Response:
        return Response(self.get_serializer(self.get_queryset(), many=True).data)

    def retrieve(self, request: Request, severity: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Change a policy (only the fields sent; steps replaces the chain; admins)",
        description="All or nothing. Incidents already running keep the copy they were "
        "declared with; the new policy applies to incidents declared (or re-graded) after.",
        request=PolicyUpdateSerializer,
        responses={200: PolicySerializer},
    )
    def partial_update(self, request: Request, severity: str) -> Response:
        data = PolicyUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        policy = self.get_object()
        steps = fields.pop("steps", None)
        if steps is None:
            steps = [
                {"offset_minutes": step.offset_minutes, "targets": step.targets}
                for step in policy.steps.all()
            ]
        policy = policies.policy_update(
            actor=person_require_signed_in(request.user), policy=policy, steps=steps, **fields
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=policy.pk)).data)


ACTION = {200: DeadlineSerializer}


@extend_schema_view(
    list=extend_schema(
        summary="Deadlines, soonest due first",
        description="Every promise the team made, open or not; open=true is what is still "
        "to be kept, overdue=true what is late.",
    ),
    retrieve=extend_schema(summary="One deadline"),
)
class DeadlineViewSet(AnswersFresh, viewsets.GenericViewSet):
    serializer_class = DeadlineSerializer
    filterset_class = DeadlineFilter
    permission_classes = PERMISSIONS
    lookup_value_regex = r"\d+"
    action_permissions = {
        ("acknowledge", "POST"): WORK_DEADLINES,
        ("snooze", "POST"): WORK_DEADLINES,
    }

    def get_queryset(self) -> QuerySet[Deadline]:
        return Deadline.objects.select_related("incident", "owner", "acknowledged_by").order_by(
            "due_at", "pk"
        )

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Acknowledge the escalation: someone has it in hand",
        description="The chain stops (nobody else is notified); the deadline stays open until "
        "it is met. The reason lands on the incident's timeline.",
        request=DeadlineAcknowledgeSerializer,
        responses=ACTION,
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def acknowledge(self, request: Request, pk: str) -> Response:
        deadline = self.get_object()
        data = DeadlineAcknowledgeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deadline = engine.deadline_acknowledge(
            actor=person_require_signed_in(request.user), deadline=deadline, **data.validated_data
        )
        return self._fresh(deadline)

    @extend_schema(
        summary="Snooze the escalation: its next step waits until the snooze ends",
        description="Not once acknowledged. The reason lands on the incident's timeline.",
        request=DeadlineSnoozeSerializer,
        responses=ACTION,
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def snooze(self, request: Request, pk: str) -> Response:
        deadline = self.get_object()
        data = DeadlineSnoozeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deadline = engine.deadline_snooze(
            actor=person_require_signed_in(request.user), deadline=deadline, **data.validated_data
        )
        return self._fresh(deadline)


def register(router: BaseRouter) -> None:
    """Add the schedule's endpoints to the API's router (config/api.py calls this)."""
    router.register("policies", PolicyViewSet, basename="policy")
    router.register("deadlines", DeadlineViewSet, basename="deadline")
