"""/api/v1/drills/ (the drills held: list, read, record, change) and /api/v1/drill-runs/ (the
shipped scenarios, start one, a run as it plays, its report, finishing it). Views parse input
and call the same services as the pages."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from config.errors import ApplicationError
from config.people import person_require_signed_in
from config.permissions import MANAGE_DRILLS
from config.rest import PERMISSIONS
from config.viewsets import AnswersFresh

from . import report, selectors, services
from .models import Drill, DrillRun
from .serializers import (
    DrillReportSerializer,
    DrillRunSerializer,
    DrillSerializer,
    DrillStartSerializer,
    DrillWriteSerializer,
    ScenarioSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="The drills held, the latest first"),
    retrieve=extend_schema(summary="One drill: its scenario, participants and findings"),
)
class DrillViewSet(
    AnswersFresh, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = PERMISSIONS
    serializer_class = DrillSerializer
    lookup_value_regex = r"\d+"
    action_permissions = {
        ("create", "POST"): MANAGE_DRILLS,
        ("partial_update", "PATCH"): MANAGE_DRILLS,
    }

    def get_queryset(self) -> QuerySet[Drill]:
        return selectors.drills(user=self.request.user)

    @extend_schema(
        summary="Record a drill (managers)",
        description="400 naming the field: a title and a scenario are needed.",
        request=DrillWriteSerializer,
        responses={201: DrillSerializer},
    )
    def create(self, request: Request) -> Response:
        data = DrillWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        drill = services.drill_save(
            actor=person_require_signed_in(request.user), **data.validated_data
        )
        return self._fresh(drill, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a drill's record (managers; only the fields sent)",
        description="A drill played from a scenario gets its findings here too when finished.",
        request=DrillWriteSerializer,
        responses={200: DrillSerializer},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        drill = self.get_object()
        data = DrillWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        drill = services.drill_save(
            actor=person_require_signed_in(request.user), drill=drill, **data.validated_data
        )
        return self._fresh(drill)


@extend_schema_view(
    list=extend_schema(summary="Drills played from a scenario, the newest first"),
    retrieve=extend_schema(summary="One run: how far it has played, its account and incident"),
)
class DrillRunViewSet(
    AnswersFresh, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = PERMISSIONS
    serializer_class = DrillRunSerializer
    lookup_value_regex = r"\d+"
    action_permissions = {
        ("create", "POST"): MANAGE_DRILLS,
        ("finish", "POST"): MANAGE_DRILLS,
    }

    def get_queryset(self) -> QuerySet[DrillRun]:
        return selectors.drill_runs()

    @extend_schema(
        summary="Start a drill from a scenario (managers)",
        description="A shipped scenario by its name, or a file of one's own in ``text``. The "
        "drill gets a record, a drill account of its own standing in for ``based_on`` and a "
        "drill incident once its alert is declared; nothing reaches X. 400 naming the field "
        "for an unknown scenario, a file that does not read, a speed out of range or a "
        "``based_on`` that is not an active brand account.",
        request=DrillStartSerializer,
        responses={201: DrillRunSerializer},
    )
    def create(self, request: Request) -> Response:
        data = DrillStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            run = services.drill_start(
                actor=person_require_signed_in(request.user), **data.validated_data
            )
        except ApplicationError as exc:
            if exc.field == "scenario" and "text" in data.validated_data:
                raise ApplicationError(exc.message, field="text") from exc  # the file sent
            raise
        return self._fresh(run, status.HTTP_201_CREATED)

    @extend_schema(
        summary="The scenarios shipped with the product",
        responses={200: ScenarioSerializer(many=True)},
        filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def scenarios(self, request: Request) -> Response:
        shipped = [
            {
                "name": name,
                "title": scenario.title,
                "language": scenario.language,
                "severity": scenario.severity,
                "summary": scenario.summary,
                "posts": scenario.posts,
                "length_seconds": int(scenario.length.total_seconds()),
            }
            for name, scenario in sorted(services.scenarios_shipped().items())
        ]
        return Response(ScenarioSerializer(shipped, many=True).data)

    @extend_schema(
        summary="The drill's report: measured now while it runs, as kept once finished",
        description="While the drill runs, how many rumours the scenario planted is given only "
        "to whoever started it and to managers (``rumours.planted`` is null for the others): "
        "the team meets the scenario's posts as they arrive.",
        responses={200: DrillReportSerializer},
        filters=False,
    )
    @action(detail=True, methods=["get"])
    def report(self, request: Request, pk: str) -> Response:
        return Response(report.drill_report_seen_by(user=request.user, run=self.get_object()))

    @extend_schema(
        summary="Finish the drill (managers)",
        description="Keeps its report, writes its findings into the drill's record, resolves "
        "and closes its incident and stops its drill account. Finishing a finished drill "
        "changes nothing.",
        request=None,
        responses={200: DrillRunSerializer},
        filters=False,
    )
    @action(detail=True, methods=["post"])
    def finish(self, request: Request, pk: str) -> Response:
        run = report.drill_finish(
            actor=person_require_signed_in(request.user), run=self.get_object()
        )
        return self._fresh(run)


def register(router: Any) -> None:
    router.register("drills", DrillViewSet, basename="drill")
    router.register("drill-runs", DrillRunViewSet, basename="drill-run")
