"""/api/v1/risks/: the risk register (read by anyone signed in; kept by managers). Views
parse input and call the same services as the pages."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from config.people import person_require_signed_in
from config.permissions import MANAGE_RISKS
from config.rest import PERMISSIONS
from config.viewsets import AnswersFresh
from teams.models import Mitigation, Risk

from . import selectors, services
from .filters import RiskFilter
from .serializers import (
    MitigationChangeSerializer,
    MitigationSerializer,
    MitigationWriteSerializer,
    RiskDetailSerializer,
    RiskRealisedSerializer,
    RiskReviewSerializer,
    RiskSerializer,
    RiskWriteSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="The risk register, the highest score first"),
    retrieve=extend_schema(summary="One risk with its mitigations, incidents and history"),
)
class RiskViewSet(
    AnswersFresh, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = PERMISSIONS
    filterset_class = RiskFilter
    lookup_value_regex = r"\d+"
    action_permissions = {
        ("create", "POST"): MANAGE_RISKS,
        ("partial_update", "PATCH"): MANAGE_RISKS,
        ("mitigations", "POST"): MANAGE_RISKS,
        ("mitigation", "PATCH"): MANAGE_RISKS,
        ("review", "POST"): MANAGE_RISKS,
        ("realised", "POST"): MANAGE_RISKS,
    }

    def get_serializer_class(self) -> Any:
        return RiskSerializer if self.action == "list" else RiskDetailSerializer

    def get_queryset(self) -> QuerySet[Risk]:
        queryset = selectors.risks(user=self.request.user).prefetch_related(
            Prefetch("mitigations", queryset=Mitigation.objects.select_related("owner")),
            "incidents",
        )
        if self.action != "list":
            queryset = queryset.prefetch_related("changes__actor")
        return queryset

    @extend_schema(
        summary="Record a risk (managers)",
        description="Its review date becomes a deadline of its owner. 400 naming the field.",
        request=RiskWriteSerializer,
        responses={201: RiskDetailSerializer},
    )
    def create(self, request: Request) -> Response:
        data = RiskWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        risk = services.risk_save(
            actor=person_require_signed_in(request.user), **data.validated_data
        )
        return self._fresh(risk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a risk (managers; only the fields sent, each change kept)",
        request=RiskWriteSerializer,
        responses={200: RiskDetailSerializer},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        risk = self.get_object()
        data = RiskWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        risk = services.risk_save(
            actor=person_require_signed_in(request.user), risk=risk, **data.validated_data
        )
        return self._fresh(risk)

    @extend_schema(
        summary="Add a mitigation (managers)",
        request=MitigationWriteSerializer,
        responses={201: MitigationSerializer},
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def mitigations(self, request: Request, pk: str) -> Response:
        risk = self.get_object()
        data = MitigationWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mitigation = services.mitigation_save(
            actor=person_require_signed_in(request.user), risk=risk, **data.validated_data
        )
        return Response(MitigationSerializer(mitigation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a mitigation (managers; only the fields sent)",
        request=MitigationChangeSerializer,
        responses={200: MitigationSerializer},
        filters=False,
    )
    @action(
        detail=True,
        methods=["patch"],
        url_path=r"mitigations/(?P<mitigation_id>\d+)",
        filterset_class=None,
    )
    def mitigation(self, request: Request, pk: str, mitigation_id: str) -> Response:
        risk = self.get_object()
        mitigation = get_object_or_404(risk.mitigations.all(), pk=mitigation_id)
        data = MitigationChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mitigation = services.mitigation_save(
            actor=person_require_signed_in(request.user),
            risk=risk,
            mitigation=mitigation,
            **data.validated_data,
        )
        return Response(MitigationSerializer(mitigation).data)

    @extend_schema(
        summary="Record a review and the next review date (managers)",
        description="The review deadline is met and the next one planned; 400 for a date "
        "not in the future.",
        request=RiskReviewSerializer,
        responses={200: RiskDetailSerializer},
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def review(self, request: Request, pk: str) -> Response:
        risk = self.get_object()
        data = RiskReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        risk = services.risk_reviewed(
            actor=person_require_signed_in(request.user), risk=risk, **data.validated_data
        )
        return self._fresh(risk)

    @extend_schema(
        summary="Name an incident that realised the risk (managers; once per incident)",
        request=RiskRealisedSerializer,
        responses={200: RiskDetailSerializer},
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def realised(self, request: Request, pk: str) -> Response:
        risk = self.get_object()
        data = RiskRealisedSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.risk_realised(
            actor=person_require_signed_in(request.user), risk=risk, **data.validated_data
        )
        return self._fresh(risk)


def register(router: Any) -> None:
    router.register("risks", RiskViewSet, basename="risk")
