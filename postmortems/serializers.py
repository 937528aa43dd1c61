"""API shapes of postmortems and their action items: output serializers render; input
serializers only check types and bounds (the services decide the rules that depend on the
postmortem's state, such as what a published one refuses)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.validators import URLValidator
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.rest import InputSerializer
from incidents.models import Category, Incident
from incidents.serializers import PersonSerializer

from .measures import PostmortemFacts
from .models import (
    MAX_WHYS,
    SECTION_MAX_LENGTH,
    SECTIONS,
    ActionItem,
    ExportJob,
    Postmortem,
    PostmortemRevision,
    ReviewComment,
)
from .services import postmortem_facts

MAX_REVIEWERS = 20
TITLE_MAX_LENGTH = ActionItem._meta.get_field("title").max_length
LINK_MAX_LENGTH = ActionItem._meta.get_field("follow_up_url").max_length
SECTION_NAMES = [field for field, _title in SECTIONS]


def _people() -> Any:
    return get_user_model().objects.all()


class PostmortemIncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    reference = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    severity = serializers.IntegerField(read_only=True)
    status = serializers.CharField(read_only=True)


# --- postmortems -----------------------------------------------------------------------------


class PostmortemSerializer(serializers.ModelSerializer):
    """A postmortem as the list shows it: its state, not its text."""

    reference = serializers.CharField(
        source="incident.reference", read_only=True, help_text="The incident's reference."
    )
    incident = PostmortemIncidentSerializer(read_only=True)
    status = serializers.ChoiceField(choices=Postmortem.Status.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    owner = PersonSerializer(read_only=True, allow_null=True)
    published_by = PersonSerializer(read_only=True, allow_null=True)
    page = serializers.CharField(
        source="get_absolute_url", read_only=True, help_text="The postmortem's page."
    )

    class Meta:
        model = Postmortem
        fields = [
            "id",
            "reference",
            "incident",
            "status",
            "status_label",
            "owner",
            "revision",
            "created_at",
            "updated_at",
            "submitted_at",
            "published_at",
            "published_by",
            "page",
        ]
        read_only_fields = fields


class ReviewCommentSerializer(serializers.ModelSerializer):
    author = PersonSerializer(read_only=True)
    section = serializers.CharField(
        read_only=True, help_text="The section it is about; empty: the whole postmortem."
    )

    class Meta:
        model = ReviewComment
        fields = ["id", "author", "section", "text", "revision", "created_at"]
        read_only_fields = fields


class RevisionSerializer(serializers.ModelSerializer):
    published_by = PersonSerializer(read_only=True, allow_null=True)
    correction = serializers.CharField(
        read_only=True, help_text="Why a later revision began; empty: the latest published."
    )

    class Meta:
        model = PostmortemRevision
        fields = ["number", "published_at", "published_by", "correction"]
        read_only_fields = fields


class PostmortemDetailSerializer(PostmortemSerializer):
    """A postmortem whole: its sections (Markdown), root cause, five whys, review and facts."""

    root_cause_category = serializers.ChoiceField(
        choices=Category.choices, allow_blank=True, read_only=True
    )
    five_whys = serializers.ListField(child=serializers.CharField(), read_only=True)
    reviewers = PersonSerializer(many=True, read_only=True)
    comments = ReviewCommentSerializer(many=True, read_only=True)
    revisions = RevisionSerializer(
        many=True, read_only=True, help_text="The published revisions, newest first."
    )
    facts = serializers.SerializerMethodField(
        help_text="Computed from the incident's record: frozen once published, current while "
        "it is written."
    )

    class Meta(PostmortemSerializer.Meta):
        fields = [
            *PostmortemSerializer.Meta.fields,
            *SECTION_NAMES,
            "root_cause_category",
            "five_whys",
            "reviewers",
            "comments",
            "revisions",
            "facts",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(child=serializers.JSONField()))
    def get_facts(self, postmortem: Postmortem) -> PostmortemFacts:
        return postmortem_facts(postmortem)


class PostmortemStartSerializer(InputSerializer):
    incident = serializers.PrimaryKeyRelatedField(queryset=Incident.objects.all())


def _section() -> serializers.CharField:
    return serializers.CharField(
        max_length=SECTION_MAX_LENGTH,
        allow_blank=True,
        required=False,
        trim_whitespace=False,
        help_text="Markdown.",
    )


class PostmortemUpdateSerializer(InputSerializer):
    """Only the fields sent change; all or nothing."""

    summary = _section()
    impact = _section()
    detection = _section()
    response = _section()
    recovery = _section()
    root_cause = _section()
    contributing_factors = _section()
    went_well = _section()
    went_badly = _section()
    got_lucky = _section()
    lessons = _section()
    root_cause_category = serializers.ChoiceField(
        choices=Category.choices,
        allow_blank=True,
        required=False,
        help_text="One of the crisis causes; empty: not decided yet.",
    )
    five_whys = serializers.ListField(
        child=serializers.CharField(
            max_length=SECTION_MAX_LENGTH, allow_blank=True, trim_whitespace=False
        ),
        max_length=MAX_WHYS,
        required=False,
        help_text="The whole chain, in order; empty ones are left out.",
    )


class SubmitReviewSerializer(InputSerializer):
    reviewers = serializers.ListField(
        child=serializers.PrimaryKeyRelatedField(queryset=_people()),
        min_length=1,
        max_length=MAX_REVIEWERS,
        help_text="The people asked to review it (ids); they are told.",
    )


class CorrectSerializer(InputSerializer):
    reason = serializers.CharField(
        max_length=SECTION_MAX_LENGTH,
        help_text="What the correction is for, kept with the published revision.",
    )


class CommentSerializer(InputSerializer):
    text = serializers.CharField(max_length=SECTION_MAX_LENGTH)
    section = serializers.ChoiceField(
        choices=SECTIONS,
        allow_blank=True,
        required=False,
        default="",
        help_text="The section it is about; empty: the whole postmortem.",
    )


# --- action items ----------------------------------------------------------------------------


class ActionItemPostmortemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    reference = serializers.CharField(
        source="incident.reference", read_only=True, help_text="The incident's reference."
    )


class ActionItemSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(
        source="postmortem.incident.reference",
        read_only=True,
        help_text="The reference of the incident it follows up.",
    )
    postmortem = ActionItemPostmortemSerializer(read_only=True)
    owner = PersonSerializer(read_only=True)
    created_by = PersonSerializer(read_only=True)
    kind = serializers.ChoiceField(choices=ActionItem.Kind.choices, read_only=True)
    priority = serializers.ChoiceField(choices=ActionItem.Priority.choices, read_only=True)
    status = serializers.ChoiceField(choices=ActionItem.Status.choices, read_only=True)
    overdue = serializers.BooleanField(
        source="is_overdue", read_only=True, help_text="Still open past its due date."
    )
    follow_up_url = serializers.CharField(
        read_only=True, help_text="Where the work is followed (a ticket); empty: none."
    )

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "reference",
            "postmortem",
            "title",
            "owner",
            "due_date",
            "priority",
            "kind",
            "status",
            "overdue",
            "follow_up_url",
            "created_by",
            "created_at",
            "closed_at",
        ]
        read_only_fields = fields


# Django's validator reads the address without failing on one it cannot split.
WEB_ADDRESS = URLValidator(schemes=["http", "https"])
LINK_HELP = "An http(s) link to where the work is followed (a ticket); empty: none."


class ActionItemWriteSerializer(InputSerializer):
    """Only the fields sent change."""

    title = serializers.CharField(max_length=TITLE_MAX_LENGTH, required=False)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=_people(), required=False, help_text="Who does it (a person's id)."
    )
    due_date = serializers.DateField(required=False, help_text="A day this century.")
    priority = serializers.ChoiceField(choices=ActionItem.Priority.choices, required=False)
    kind = serializers.ChoiceField(choices=ActionItem.Kind.choices, required=False)
    status = serializers.ChoiceField(choices=ActionItem.Status.choices, required=False)
    follow_up_url = serializers.CharField(
        max_length=LINK_MAX_LENGTH,
        allow_blank=True,
        required=False,
        validators=[WEB_ADDRESS],
        help_text=LINK_HELP,
    )


class ActionItemCreateSerializer(InputSerializer):
    postmortem = serializers.PrimaryKeyRelatedField(queryset=Postmortem.objects.all())
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=_people(), help_text="Who does it (a person's id)."
    )
    due_date = serializers.DateField(help_text="A day this century.")
    kind = serializers.ChoiceField(choices=ActionItem.Kind.choices)
    priority = serializers.ChoiceField(
        choices=ActionItem.Priority.choices, default=ActionItem.Priority.MEDIUM
    )
    follow_up_url = serializers.CharField(
        max_length=LINK_MAX_LENGTH,
        allow_blank=True,
        required=False,
        default="",
        validators=[WEB_ADDRESS],
        help_text=LINK_HELP,
    )


class ExportJobSerializer(serializers.ModelSerializer):
    """A report being written by a worker: poll ``url`` until ``status`` is ready, then fetch
    ``download_url``."""

    reference = serializers.CharField(source="postmortem.incident.reference", read_only=True)
    url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "postmortem",
            "reference",
            "format",
            "status",
            "progress",
            "stage",
            "error",
            "filename",
            "size",
            "created_at",
            "finished_at",
            "url",
            "download_url",
        ]
        read_only_fields = fields

    def _absolute(self, name: str, job: ExportJob) -> str:
        path = reverse(name, args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_url(self, job: ExportJob) -> str:
        return self._absolute("postmortem-export-detail", job)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download_url(self, job: ExportJob) -> str | None:
        if job.status != ExportJob.Status.READY:
            return None
        return self._absolute("postmortem-export-download", job)
