"""/api/v1/alerts/ (list, read, declare/, dismiss/) and /api/v1/volume/ (the series the
charts draw). Views parse input and call the same services as the pages. Declaring from a drill
account's alert also reaches the drills, through listening.alerts.alert_declared."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter
from rest_framework.views import APIView

from communications.listening import alerts, selectors
from communications.listening.filters import AlertFilter, VolumeQuery
from communications.listening.models import Alert, InboundPost
from communications.listening.selectors import BUCKET_SIZES
from communications.listening.serializers import (
    AlertAttachSerializer,
    AlertDeclareSerializer,
    AlertDismissSerializer,
    AlertSerializer,
    VolumeSerializer,
)
from config.people import person_require_signed_in
from config.permissions import DECLARE_INCIDENT, EDIT_INCIDENT, TRIAGE_MENTIONS
from config.rest import PERMISSIONS


@extend_schema_view(
    list=extend_schema(summary="Listening alerts, newest first"),
    retrieve=extend_schema(summary="One alert with its explanation and top posts"),
)
class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    permission_classes = PERMISSIONS
    lookup_value_regex = r"\d+"
    action_permissions = {
        ("declare", "POST"): DECLARE_INCIDENT,
        ("dismiss", "POST"): TRIAGE_MENTIONS,
        ("attach", "POST"): EDIT_INCIDENT,
    }

    def get_queryset(self) -> QuerySet[Alert]:
        return selectors.alert_list(user=self.request.user).prefetch_related(
            Prefetch(
                "top_posts",
                queryset=InboundPost.objects.order_by("-author_followers", "posted_at", "pk"),
            )
        )

    @extend_schema(
        summary="Declare an incident from the alert (once)",
        description="Source listening_alert, detected when the alert was raised, its top "
        "posts linked as mentions, the suggested playbook applied unless another (or null) is "
        "given. Sent again, by anyone, it returns the alert with the incident declared the "
        "first time; a dismissed alert answers 409.",
        request=AlertDeclareSerializer,
        responses={200: AlertSerializer},
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def declare(self, request: Request, pk: str) -> Response:
        alert = self.get_object()
        data = AlertDeclareSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        options: dict[str, Any] = {
            "title": data.validated_data["title"],
            "severity": data.validated_data["severity"],
        }
        if "playbook" in data.validated_data:
            options["playbook"] = data.validated_data["playbook"]
        alerts.alert_declare(actor=person_require_signed_in(request.user), alert=alert, **options)
        return Response(self.get_serializer(self.get_queryset().get(pk=alert.pk)).data)

    @extend_schema(
        summary="Add the alert to an open incident of the same crisis (once)",
        description="Instead of declaring a second incident: the alert on the incident's "
        "timeline, its top posts linked as mentions. Sent again, or after the alert was "
        "declared, it returns the alert with the incident it went to; a dismissed alert "
        "answers 409; an incident that is not open, or a drill for a real alert (or the other "
        "way round), 400 on `incident`.",
        request=AlertAttachSerializer,
        responses={200: AlertSerializer},
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def attach(self, request: Request, pk: str) -> Response:
        alert = self.get_object()
        data = AlertAttachSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alerts.alert_attach(
            actor=person_require_signed_in(request.user),
            alert=alert,
            incident=data.validated_data["incident"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=alert.pk)).data)

    @extend_schema(
        summary="Dismiss the alert, saying why",
        description="A declared alert answers 409; dismissing again changes nothing.",
        request=AlertDismissSerializer,
        responses={200: AlertSerializer},
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def dismiss(self, request: Request, pk: str) -> Response:
        alert = self.get_object()
        data = AlertDismissSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alerts.alert_dismiss(
            actor=person_require_signed_in(request.user),
            alert=alert,
            reason=data.validated_data["reason"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=alert.pk)).data)


class VolumeView(APIView):
    permission_classes = PERMISSIONS

    @extend_schema(
        summary="An account's (or a watch term's, or a risk's) volume and its usual level, "
        "per bucket",
        description="Posts and reach per bucket from the listening's rollup, empty buckets "
        "included, each with the usual posts of that bucket at that time of day and day of "
        "the week (the alerts' rule). At most 10,000 buckets per request.",
        parameters=[
            OpenApiParameter("account", int, required=True, description="The account's id."),
            OpenApiParameter(
                "term",
                int,
                description="One of the account's watch terms (its id): the posts its search "
                "found. Left out: everything about the account.",
            ),
            OpenApiParameter(
                "risk",
                int,
                description="A risk of the register with watch terms (its id): the account's "
                "posts that use one of them (contain it, whatever the case). Not with term.",
            ),
            OpenApiParameter(
                "since", OpenApiTypes.DATETIME, description="Default: 24 hours before until."
            ),
            OpenApiParameter("until", OpenApiTypes.DATETIME, description="Default: now."),
            OpenApiParameter(
                "bucket", int, enum=list(BUCKET_SIZES), description="Minutes (default 5)."
            ),
        ],
        responses={200: VolumeSerializer},
    )
    def get(self, request: Request) -> Response:
        query = VolumeQuery(request.query_params)
        if not query.is_valid():
            return Response(query.errors, status=400)
        data = query.cleaned_data
        series = selectors.volume_with_usual(
            account_id=data["account"].pk,
            since=data["since"],
            until=data["until"],
            minutes=data["bucket"],
            term_id=data["term"].pk if data.get("term") else None,
            risk_terms=data["risk"].terms if data.get("risk") else None,
        )
        return Response(
            VolumeSerializer(
                {
                    "account": data["account"].pk,
                    "term": data["term"].pk if data.get("term") else None,
                    "risk": data["risk"].pk if data.get("risk") else None,
                    "since": data["since"],
                    "until": data["until"],
                    "bucket": data["bucket"],
                    "series": series,
                }
            ).data
        )


def register(router: BaseRouter) -> None:
    """Add the alert endpoints to the API's router (config/api.py calls this)."""
    router.register("alerts", AlertViewSet, basename="alert")
