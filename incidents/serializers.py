"""API shapes: output serializers render models; input serializers only parse and validate."""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.rest import DateTimeField, InputSerializer

from .models import (
    Category,
    ChecklistItem,
    Claim,
    ClaimStatus,
    Incident,
    Severity,
    Source,
    Status,
    TimelineEvent,
)
from .permissions import allowed_transitions


class IncidentBriefSerializer(serializers.Serializer):
    """An incident as another record names it: enough to show and link it."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)


class IncidentSerializer(serializers.ModelSerializer):
    severity_label = serializers.CharField(source="get_severity_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    tags = serializers.SerializerMethodField()
    declared_by = PersonSerializer(read_only=True)
    allowed_transitions = serializers.SerializerMethodField(
        help_text="The statuses the caller may move the incident to now."
    )

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "title",
            "summary",
            "severity",
            "severity_label",
            "status",
            "status_label",
            "category",
            "source",
            "tags",
            "language",
            "is_drill",
            "declared_by",
            "detected_at",
            "acknowledged_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "created_at",
            "updated_at",
            "allowed_transitions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, incident: Incident) -> list[str]:
        return [tag.name for tag in incident.tags.all()]

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=Status.choices))
    )
    def get_allowed_transitions(self, incident: Incident) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return [str(s) for s in allowed_transitions(user=request.user, incident=incident)]


class TagListField(serializers.ListField):
    child = serializers.CharField(max_length=50)
    max_length = 20


class IncidentUpdateSerializer(InputSerializer):
    title = serializers.CharField(max_length=200, required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    summary = serializers.CharField(required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=Source.choices, required=False
    )
    tags = TagListField(required=False)
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        help_text="The language its public speaks (the composer offers templates in it first).",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=1000,
        help_text="Why: required to make the incident less severe (its crisis lead or a "
        "manager only).",
    )


class TransitionSerializer(InputSerializer):
    to = serializers.ChoiceField(choices=Status.choices)
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required to decline."
    )
    waiver = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Closing a SEV1/SEV2 without a published postmortem: why (managers only).",
    )


class TimelineEventSerializer(serializers.ModelSerializer):
    actor = PersonSerializer(read_only=True, allow_null=True)
    backdated = serializers.BooleanField(source="is_backdated", read_only=True)

    class Meta:
        model = TimelineEvent
        fields = ["id", "at", "recorded_at", "actor", "kind", "text", "data", "backdated"]
        read_only_fields = fields


class NoteSerializer(InputSerializer):
    text = serializers.CharField(max_length=10_000)
    at = DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When it happened, to back-date the note. Defaults to now.",
    )


class ClaimSerializer(serializers.ModelSerializer):
    created_by = PersonSerializer(read_only=True)
    verified_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "statement",
            "seen_at_location",
            "first_seen_at",
            "status",
            "evidence",
            "verified_by",
            "verified_at",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class ClaimCreateSerializer(InputSerializer):
    statement = serializers.CharField(max_length=5000)
    seen_at_location = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    first_seen_at = DateTimeField(required=False, allow_null=True, default=None)


class ClaimStatusSerializer(InputSerializer):
    """A PATCH: what is left out stays as it is (evidence alone can be added to a verdict)."""

    status = serializers.ChoiceField(choices=ClaimStatus.choices, required=False)
    evidence = serializers.CharField(required=False, allow_blank=True, default="")


class ChecklistItemSerializer(serializers.ModelSerializer):
    assignee = PersonSerializer(read_only=True, allow_null=True)
    done_by = PersonSerializer(read_only=True, allow_null=True)
    created_by = PersonSerializer(read_only=True)
    done = serializers.BooleanField(source="is_done", read_only=True)

    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "title",
            "assignee",
            "due_at",
            "done",
            "done_at",
            "done_by",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


def _people() -> Any:
    return get_user_model().objects.all()


class ChecklistItemCreateSerializer(InputSerializer):
    title = serializers.CharField(max_length=300)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=_people(), required=False, allow_null=True, default=None
    )
    due_at = DateTimeField(required=False, allow_null=True, default=None)


class ChecklistItemUpdateSerializer(InputSerializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=_people(), required=False, allow_null=True
    )
    due_at = DateTimeField(required=False, allow_null=True)
    done = serializers.BooleanField(required=False)
