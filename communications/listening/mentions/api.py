"""REST endpoints for mentions under /api/v1/mentions/: the queue with the page's filters, one
mention, and the triage actions. Views parse input and call the same services as the pages;
ApplicationError becomes a 4xx in config.errors."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.fields import IntegerField
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from communications.listening.mentions import selectors, services
from communications.listening.mentions.filters import MentionFilter
from communications.listening.mentions.serializers import (
    MentionAssignSerializer,
    MentionBulkSerializer,
    MentionCreateSerializer,
    MentionLinkSerializer,
    MentionSerializer,
    MentionTriageSerializer,
)
from communications.listening.models import InboundPost
from config.people import person_require_signed_in
from config.permissions import TRIAGE_MENTIONS
from config.rest import PERMISSIONS
from config.viewsets import AnswersFresh


@extend_schema_view(
    list=extend_schema(
        summary="The mentions queue",
        description="Widest reach first, then the longest waiting. Filter like the page: "
        "open=true is what still waits for a decision or an answer.",
    ),
    retrieve=extend_schema(summary="One mention"),
)
class MentionViewSet(AnswersFresh, viewsets.GenericViewSet):
    serializer_class = MentionSerializer
    filterset_class = MentionFilter
    permission_classes = PERMISSIONS
    lookup_value_regex = r"\d+"
    action_permissions = {
        ("create", "POST"): TRIAGE_MENTIONS,
        ("triage", "POST"): TRIAGE_MENTIONS,
        ("assign", "POST"): TRIAGE_MENTIONS,
        ("link", "POST"): TRIAGE_MENTIONS,
        ("bulk", "POST"): TRIAGE_MENTIONS,
    }

    def get_queryset(self) -> QuerySet[InboundPost]:
        return selectors.mention_list(user=self.request.user)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Add a mention by hand (a post customer care reported)",
        request=MentionCreateSerializer,
        responses={201: MentionSerializer},
    )
    def create(self, request: Request) -> Response:
        data = MentionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mention = services.mention_add_manual(
            actor=person_require_signed_in(request.user), **data.validated_data
        )
        return self._fresh(mention, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Decide on a mention",
        description="no_reply needs a reason; escalated notifies the incident's crisis lead "
        "(or whoever is on call as crisis lead); replied needs the reply's link. A linked "
        "mention's every change lands on its incident's timeline.",
        request=MentionTriageSerializer,
        responses={200: MentionSerializer},
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def triage(self, request: Request, pk: str) -> Response:
        mention = self.get_object()
        data = MentionTriageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mention = services.mention_triage(
            actor=person_require_signed_in(request.user), mention=mention, **data.validated_data
        )
        return self._fresh(mention)

    @extend_schema(
        summary="Give a mention to someone (null: to nobody)",
        request=MentionAssignSerializer,
        responses={200: MentionSerializer},
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def assign(self, request: Request, pk: str) -> Response:
        mention = self.get_object()
        data = MentionAssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mention = services.mention_assign(
            actor=person_require_signed_in(request.user),
            mention=mention,
            assignee=data.validated_data["assignee"],
        )
        return self._fresh(mention)

    @extend_schema(
        summary="Link a mention to an incident (null: unlink)",
        description="Writes a mention event on the incident's timeline.",
        request=MentionLinkSerializer,
        responses={200: MentionSerializer},
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def link(self, request: Request, pk: str) -> Response:
        mention = self.get_object()
        data = MentionLinkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mention = services.mention_link(
            actor=person_require_signed_in(request.user),
            mention=mention,
            incident=data.validated_data["incident"],
        )
        return self._fresh(mention)

    @extend_schema(
        summary="Act once on many mentions",
        description="assign (`assignee`), link (`incident`), needs_reply, no_reply (`reason` "
        "required) or escalate, on up to 100 mentions. All or nothing: one refusal changes "
        "none and names the mention. Each mention goes through its own action's checks, "
        "events, deadlines and notifications.",
        request=MentionBulkSerializer,
        responses={200: inline_serializer("MentionBulkDone", {"changed": IntegerField()})},
        filters=False,
    )
    @action(detail=False, methods=["post"], filterset_class=None)
    def bulk(self, request: Request) -> Response:
        data = MentionBulkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        found = data.validated_data
        changed = services.mentions_bulk(
            actor=person_require_signed_in(request.user),
            mention_ids=found["mentions"],
            action=found["action"],
            assignee=found["assignee"],
            incident=found["incident"],
            reason=found["reason"],
        )
        return Response({"changed": changed})


def register(router: BaseRouter) -> None:
    """Add the mention endpoints to the API's router (config/api.py calls this)."""
    router.register("mentions", MentionViewSet, basename="mention")
