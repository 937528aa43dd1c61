"""REST endpoints of postmortems under /api/v1/: the postmortems with their review and
publishing, their export as a file, and the action items that follow them up. Views parse
input and call the same services as the pages; ApplicationError becomes a 4xx in
config.errors."""

from collections.abc import Iterable
from uuid import UUID

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from config.people import person_require_signed_in
from config.permissions import PUBLISH_POSTMORTEM, WORK_ACTION_ITEMS, WRITE_POSTMORTEM
from config.rest import PERMISSIONS, InputSerializer
from config.viewsets import AnswersFresh

from . import selectors, services
from .export import FORMATS
from .export_jobs import export_in_background, export_job_file, export_job_get, export_job_start
from .export_views import file_response, job_file_response
from .filters import ActionItemFilter, PostmortemFilter
from .models import ActionItem, ExportJob, Postmortem, PostmortemRevision, ReviewComment
from .serializers import (
    ActionItemCreateSerializer,
    ActionItemSerializer,
    ActionItemWriteSerializer,
    CommentSerializer,
    CorrectSerializer,
    ExportJobSerializer,
    PostmortemDetailSerializer,
    PostmortemSerializer,
    PostmortemStartSerializer,
    PostmortemUpdateSerializer,
    ReviewCommentSerializer,
    SubmitReviewSerializer,
)

ACTION = {200: PostmortemDetailSerializer}


class ExportFormatSerializer(InputSerializer):
    format = serializers.ChoiceField(choices=sorted(FORMATS))


class FileFormatNegotiation(BaseContentNegotiation):
    """The export's ?format= chooses the file, not how the API answers: the file is written
    by the view, and a refusal is JSON like every other."""

    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[BaseRenderer],
        format_suffix: str | None = None,
    ) -> tuple[BaseRenderer, str]:
        first = next(iter(renderers))
        return first, first.media_type


@extend_schema_view(
    list=extend_schema(
        summary="Postmortems, newest first",
        description="Their state only; one postmortem's read has its sections and facts.",
    ),
    retrieve=extend_schema(
        summary="One postmortem: sections, root cause, five whys, review and facts"
    ),
)
class PostmortemViewSet(AnswersFresh, viewsets.GenericViewSet):
    serializer_class = PostmortemDetailSerializer
    filterset_class = PostmortemFilter
    permission_classes = PERMISSIONS
    lookup_value_regex = r"\d+"
    action_permissions = {
        ("create", "POST"): WRITE_POSTMORTEM,
        ("partial_update", "PATCH"): WRITE_POSTMORTEM,
        ("submit_review", "POST"): WRITE_POSTMORTEM,
        ("comments", "POST"): WRITE_POSTMORTEM,
        ("publish", "POST"): PUBLISH_POSTMORTEM,
        ("correct", "POST"): PUBLISH_POSTMORTEM,
    }

    def get_queryset(self) -> QuerySet[Postmortem]:
        if self.action == "list":
            return selectors.postmortem_list(user=self.request.user)
        return Postmortem.objects.select_related(
            "incident", "owner", "published_by"
        ).prefetch_related(
            "reviewers",
            Prefetch("comments", queryset=ReviewComment.objects.select_related("author")),
            Prefetch(
                "revisions",
                queryset=PostmortemRevision.objects.select_related("published_by").order_by(
                    "-number"
                ),
            ),
        )

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return PostmortemSerializer if self.action == "list" else PostmortemDetailSerializer

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Start the incident's postmortem as a draft (the existing one if it has one)",
        description="201 with the new draft; 200 with the postmortem already started. A "
        "declined incident (a false alarm) has none: 409.",
        request=PostmortemStartSerializer,
        responses={200: PostmortemDetailSerializer, 201: PostmortemDetailSerializer},
    )
    def create(self, request: Request) -> Response:
        data = PostmortemStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = data.validated_data["incident"]
        existed = Postmortem.objects.filter(incident=incident).exists()
        postmortem = services.postmortem_start(
            actor=person_require_signed_in(request.user), incident=incident
        )
        return self._fresh(postmortem, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(
        summary="Write the sections, root cause category and five whys (only the fields sent)",
        description="All or nothing; a published postmortem is read-only (409): begin a "
        "correction first.",
        request=PostmortemUpdateSerializer,
        responses=ACTION,
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        data = PostmortemUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        postmortem = services.postmortem_update(
            actor=person_require_signed_in(request.user),
            postmortem=self.get_object(),
            **data.validated_data,
        )
        return self._fresh(postmortem)

    @extend_schema(
        summary="Submit the draft for review by the people named (they are told)",
        request=SubmitReviewSerializer,
        responses=ACTION,
        filters=False,
    )
    @action(detail=True, methods=["post"], url_path="submit-review", filterset_class=None)
    def submit_review(self, request: Request, pk: str) -> Response:
        postmortem = self.get_object()
        data = SubmitReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        postmortem = services.postmortem_submit_review(
            actor=person_require_signed_in(request.user),
            postmortem=postmortem,
            **data.validated_data,
        )
        return self._fresh(postmortem)

    @extend_schema(
        summary="Publish the reviewed postmortem (managers): its facts are frozen",
        description="Only once in review (409 otherwise), and with a summary written.",
        request=None,
        responses=ACTION,
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def publish(self, request: Request, pk: str) -> Response:
        postmortem = services.postmortem_publish(
            actor=person_require_signed_in(request.user), postmortem=self.get_object()
        )
        return self._fresh(postmortem)

    @extend_schema(
        summary="Begin a correction of the published postmortem (managers)",
        description="A new draft revision; the published one stays in the history with the "
        "reason. Only a published postmortem (409 otherwise).",
        request=CorrectSerializer,
        responses=ACTION,
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def correct(self, request: Request, pk: str) -> Response:
        postmortem = self.get_object()
        data = CorrectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        postmortem = services.postmortem_correct(
            actor=person_require_signed_in(request.user),
            postmortem=postmortem,
            **data.validated_data,
        )
        return self._fresh(postmortem)

    @extend_schema(
        summary="Add a review comment (on a section, or on the whole postmortem)",
        request=CommentSerializer,
        responses={201: ReviewCommentSerializer},
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def comments(self, request: Request, pk: str) -> Response:
        postmortem = self.get_object()
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.review_comment_add(
            actor=person_require_signed_in(request.user),
            postmortem=postmortem,
            **data.validated_data,
        )
        comment = ReviewComment.objects.select_related("author").get(pk=comment.pk)
        return Response(ReviewCommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The postmortem as a file: PDF, Markdown or JSON",
        description="The JSON's shape is docs/postmortem-export.schema.json. A PDF of an "
        "incident with more timeline events than POSTMORTEM_EXPORT_INLINE_EVENTS is written "
        "in the background: 202 with the job to follow.",
        parameters=[
            OpenApiParameter(
                "format",
                str,
                enum=sorted(FORMATS),
                description="pdf (the default), md or json.",
            )
        ],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "text/markdown"): OpenApiResponse(OpenApiTypes.STR),
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT),
            (202, "application/json"): OpenApiResponse(
                ExportJobSerializer,
                description="A PDF of a long record is written in the background: follow "
                "the job (its url, also the Location header).",
            ),
        },
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        filterset_class=None,
        renderer_classes=[JSONRenderer],
        content_negotiation_class=FileFormatNegotiation,
    )
    def export(self, request: Request, pk: str) -> HttpResponse:
        # Left empty, as with no format: the PDF.
        data = ExportFormatSerializer(data={"format": request.query_params.get("format") or "pdf"})
        data.is_valid(raise_exception=True)
        chosen = data.validated_data["format"]
        postmortem = self.get_object()
        if not export_in_background(postmortem, chosen):
            return file_response(postmortem, chosen)
        job = export_job_start(
            actor=person_require_signed_in(request.user), postmortem=postmortem, chosen=chosen
        )
        body = ExportJobSerializer(job, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


@extend_schema_view(
    retrieve=extend_schema(
        summary="A report being written in the background",
        description="Poll until status is ready (then download_url is set) or failed. Only "
        "the person who asked for the report sees it.",
    ),
)
class ExportJobViewSet(viewsets.GenericViewSet):
    serializer_class = ExportJobSerializer
    permission_classes = PERMISSIONS
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_queryset(self) -> QuerySet[ExportJob]:
        return ExportJob.objects.none()

    def retrieve(self, request: Request, pk: str) -> Response:
        job = export_job_get(user=person_require_signed_in(request.user), job_id=_uuid(pk))
        return Response(self.get_serializer(job).data)

    @extend_schema(
        summary="The report's file, once ready",
        description="409 while it is still being written.",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            409: OpenApiResponse(description="Not ready yet."),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[JSONRenderer],
        content_negotiation_class=FileFormatNegotiation,
    )
    def download(self, request: Request, pk: str) -> HttpResponse:
        return job_file_response(
            export_job_file(user=person_require_signed_in(request.user), job_id=_uuid(pk))
        )


def _uuid(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError as error:
        raise Http404 from error


@extend_schema_view(
    list=extend_schema(summary="Action items, soonest due first"),
    retrieve=extend_schema(summary="One action item"),
)
class ActionItemViewSet(AnswersFresh, viewsets.GenericViewSet):
    serializer_class = ActionItemSerializer
    filterset_class = ActionItemFilter
    permission_classes = PERMISSIONS
    lookup_value_regex = r"\d+"
    action_permissions = {
        ("create", "POST"): WORK_ACTION_ITEMS,
        ("partial_update", "PATCH"): WORK_ACTION_ITEMS,
    }

    def get_queryset(self) -> QuerySet[ActionItem]:
        # The list is the real incidents' work, as on the action-items page; a drill's item
        # stays on its own postmortem, and is reached by its id from there.
        items = ActionItem.objects.real() if self.action == "list" else ActionItem.objects.all()
        return items.select_related("owner", "created_by", "postmortem__incident").order_by(
            "due_date", "id"
        )

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Add an action item to a postmortem",
        description="Its due date (a day this century) becomes a deadline of its owner, "
        "reminded before and escalated after; the owner is told.",
        request=ActionItemCreateSerializer,
        responses={201: ActionItemSerializer},
    )
    def create(self, request: Request) -> Response:
        data = ActionItemCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.action_item_add(
            actor=person_require_signed_in(request.user), **data.validated_data
        )
        return self._fresh(item, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an action item (only the fields sent)",
        description="Done or won't do closes it (and its deadline); open or in progress "
        "reopens it.",
        request=ActionItemWriteSerializer,
        responses={200: ActionItemSerializer},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        data = ActionItemWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        item = services.action_item_update(
            actor=person_require_signed_in(request.user),
            item=self.get_object(),
            **data.validated_data,
        )
        return self._fresh(item)


def register(router: BaseRouter) -> None:
    """Add the postmortem endpoints to the API's router (config/api.py calls this)."""
    router.register("postmortems", PostmortemViewSet, basename="postmortem")
    router.register("action-items", ActionItemViewSet, basename="action-item")
    router.register("postmortem-exports", ExportJobViewSet, basename="postmortem-export")
