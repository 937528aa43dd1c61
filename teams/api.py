"""REST endpoints of the teams app under /api/v1/: people, roles, roles per incident,
on-call, the caller's notifications, and the incident endpoints whose writes reach people:
declaring and editing an incident, working its checklist (the same flows as the pages)."""

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.people import person_require_signed_in
from config.permissions import (
    ADD_CHECKLIST_ITEM,
    WORK_CHECKLIST_ITEM,
)
from config.rest import PERMISSIONS
from config.viewsets import AnswersFresh
from incidents import selectors as incident_selectors
from incidents.api import IncidentChildViewSet, IncidentScopedViewSet
from incidents.models import ChecklistItem
from incidents.serializers import (
    ChecklistItemCreateSerializer,
    ChecklistItemSerializer,
    ChecklistItemUpdateSerializer,
)

from . import flows, selectors, services
from .models import Notification, Role, RoleAssignment
from .serializers import (
    IncidentRolesSerializer,
    MyProfileSerializer,
    MyProfileUpdateSerializer,
    NotificationSerializer,
    OnCallBoardSerializer,
    PersonDetailSerializer,
    RoleAssignmentSerializer,
    RoleAssignSerializer,
    RoleSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="People who can log in"),
    retrieve=extend_schema(summary="One person"),
)
class PersonViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PersonDetailSerializer
    permission_classes = PERMISSIONS
    filterset_class = None

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.people(user=self.request.user)

    @extend_schema(summary="My own record", responses=MyProfileSerializer)
    @extend_schema(
        methods=["PATCH"],
        summary=(
            "Change my own title, phone, timezone, language or chat webhook (only the fields sent)"
        ),
        request=MyProfileUpdateSerializer,
        responses=MyProfileSerializer,
    )
    @action(detail=False, methods=["get", "patch"])
    def me(self, request: Request) -> Response:
        me = person_require_signed_in(request.user)
        if request.method == "PATCH":
            given = MyProfileUpdateSerializer(data=request.data)
            given.is_valid(raise_exception=True)
            data = given.validated_data
            me = services.person_update_profile(
                actor=me,
                person=me,
                department=me.department,
                title=data.get("title", me.title),
                phone=data.get("phone", me.phone),
                timezone_name=data.get("timezone", me.timezone),
                webhook_url=data.get("webhook_url", me.webhook_url),
                language=data.get("language"),
            )
        return Response(MyProfileSerializer(me).data)


@extend_schema_view(
    list=extend_schema(summary="The role catalogue"),
    retrieve=extend_schema(summary="One role"),
)
class RoleViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RoleSerializer
    permission_classes = PERMISSIONS
    filterset_class = None
    lookup_field = "slug"
    pagination_class = None
    queryset = Role.objects.all()


class IncidentRolesViewSet(IncidentScopedViewSet):
    """Roles on one incident: who holds what now, and the full history."""

    serializer_class = RoleAssignmentSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[RoleAssignment]:
        if getattr(self, "swagger_fake_view", False):
            return RoleAssignment.objects.none()
        return selectors.incident_roles(incident=self.get_incident())

    @extend_schema(summary="Active role holders and the history", responses=IncidentRolesSerializer)
    def list(self, request: Request, incident_pk: str) -> Response:
        assignments = list(self.get_queryset())
        data = {
            "active": [a for a in assignments if a.is_active],
            "history": assignments,
        }
        return Response(IncidentRolesSerializer(data).data)

    @extend_schema(
        summary="Assign a role, or hand it over",
        request=RoleAssignSerializer,
        responses={201: RoleAssignmentSerializer},
    )
    def create(self, request: Request, incident_pk: str) -> Response:
        data = RoleAssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = services.role_assign(
            actor=person_require_signed_in(request.user),
            incident=self.get_incident(),
            **data.validated_data,
        )
        fresh = selectors.incident_roles(incident=assignment.incident).get(pk=assignment.pk)
        return Response(RoleAssignmentSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Relieve a holder of a role",
        request=None,
        responses={200: RoleAssignmentSerializer},
    )
    @action(detail=True, methods=["post"])
    def relieve(self, request: Request, incident_pk: str, pk: str) -> Response:
        assignment = get_object_or_404(self.get_queryset(), pk=pk)
        services.role_relieve(actor=person_require_signed_in(request.user), assignment=assignment)
        return Response(RoleAssignmentSerializer(self.get_queryset().get(pk=pk)).data)


class OnCallView(APIView):
    permission_classes = PERMISSIONS

    @extend_schema(
        summary="Who is on call now for every role, and the shifts of the next days",
        parameters=[
            OpenApiParameter("days", int, description="Shifts ahead to list (default 7, max 31).")
        ],
        responses={200: OnCallBoardSerializer},
    )
    def get(self, request: Request) -> Response:
        try:
            days = min(max(int(request.query_params.get("days") or 7), 0), 31)
        except ValueError:
            return Response({"days": [_("A whole number of days.")]}, status=400)
        now = timezone.now()
        board = [
            {"role": role, "people": people, "source": source}
            for role, people, source in selectors.on_call(at=now)
        ]
        upcoming = selectors.shifts(user=request.user, start=now, end=now + timedelta(days=days))
        return Response(OnCallBoardSerializer({"now": board, "shifts": upcoming}).data)


@extend_schema_view(
    list=extend_schema(summary="My notifications, newest first"),
    retrieve=extend_schema(summary="One of my notifications"),
)
class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = NotificationSerializer
    permission_classes = PERMISSIONS
    filterset_class = None
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.notifications(user=person_require_signed_in(self.request.user))

    @extend_schema(summary="Mark one of my notifications read", request=None)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        notification = services.notification_mark_read(
            actor=person_require_signed_in(request.user), notification=self.get_object()
        )
        return Response(self.get_serializer(notification).data)

    @extend_schema(summary="Mark all my notifications read", request=None, responses={204: None})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        services.notifications_mark_all_read(actor=person_require_signed_in(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="The incident's checklist, open items first"),
    retrieve=extend_schema(summary="Read one checklist item"),
)
class ChecklistItemViewSet(AnswersFresh, IncidentChildViewSet):
    serializer_class = ChecklistItemSerializer
    action_permissions = {
        ("create", "POST"): ADD_CHECKLIST_ITEM,
        ("partial_update", "PATCH"): WORK_CHECKLIST_ITEM,
    }

    def get_queryset(self) -> QuerySet[ChecklistItem]:
        if getattr(self, "swagger_fake_view", False):
            return ChecklistItem.objects.none()
        return incident_selectors.incident_checklist(incident=self.get_incident())

    @extend_schema(
        summary="Add a checklist item",
        request=ChecklistItemCreateSerializer,
        responses={201: ChecklistItemSerializer},
    )
    def create(self, request: Request, incident_pk: str) -> Response:
        data = ChecklistItemCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = flows.checklist_item_add(
            actor=person_require_signed_in(request.user),
            incident=self.get_incident(),
            **data.validated_data,
        )
        return self._fresh(item, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Assign, set the due time, or tick done (only the fields sent)",
        request=ChecklistItemUpdateSerializer,
        responses={200: ChecklistItemSerializer},
    )
    def partial_update(self, request: Request, incident_pk: str, pk: str) -> Response:
        data = ChecklistItemUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = flows.checklist_item_update(
            actor=person_require_signed_in(request.user),
            item=self.get_object(),
            **data.validated_data,
        )
        return self._fresh(item)
