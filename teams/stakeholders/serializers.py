"""API shapes of stakeholders: output serializers render; input serializers only validate."""

from typing import Any

from rest_framework import serializers

from config.rest import DateTimeField, InputSerializer
from incidents.models import Severity
from incidents.serializers import PersonSerializer
from teams.models import (
    Channel,
    CommunicationPlanEntry,
    Department,
    StaffBriefing,
    StakeholderContact,
    StakeholderGroup,
    StakeholderUpdate,
)

from .services import BRIEFING_MAX_LENGTH, SUMMARY_MAX_LENGTH


class StakeholderContactSerializer(serializers.ModelSerializer):
    preferred_channel = serializers.ChoiceField(choices=Channel.choices, read_only=True)
    email = serializers.CharField(read_only=True, help_text="An email address, or empty.")

    class Meta:
        model = StakeholderContact
        fields = ["id", "name", "organisation", "email", "phone", "preferred_channel", "notes"]
        read_only_fields = fields


class CommunicationPlanEntrySerializer(serializers.ModelSerializer):
    # The incidents' severity choices, so the schema shares one SeverityEnum.
    severity = serializers.ChoiceField(choices=Severity.choices, read_only=True)
    channel = serializers.ChoiceField(choices=Channel.choices, read_only=True)

    class Meta:
        model = CommunicationPlanEntry
        fields = ["id", "severity", "channel", "within_minutes", "notes"]
        read_only_fields = fields


class StakeholderGroupSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=StakeholderGroup.Kind.choices, read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    contacts = StakeholderContactSerializer(many=True, read_only=True)
    plan_entries = CommunicationPlanEntrySerializer(
        many=True, read_only=True, help_text="Who in this group is told, how and when, by severity."
    )

    class Meta:
        model = StakeholderGroup
        fields = ["id", "name", "kind", "kind_label", "description", "contacts", "plan_entries"]
        read_only_fields = fields


class StakeholderGroupWriteSerializer(InputSerializer):
    name = serializers.CharField(max_length=150)
    kind = serializers.ChoiceField(choices=StakeholderGroup.Kind.choices)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class StakeholderGroupBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class StakeholderUpdateSerializer(serializers.ModelSerializer):
    group = StakeholderGroupBriefSerializer(read_only=True)
    channel = serializers.ChoiceField(choices=Channel.choices, read_only=True)
    recorded_by = PersonSerializer(read_only=True)

    class Meta:
        model = StakeholderUpdate
        fields = ["id", "group", "channel", "told_at", "summary", "recorded_by", "recorded_at"]
        read_only_fields = fields


class StakeholderUpdateCreateSerializer(InputSerializer):
    group = serializers.PrimaryKeyRelatedField(queryset=StakeholderGroup.objects.all())
    channel = serializers.ChoiceField(choices=Channel.choices)
    told_at = DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When they were told, to back-date it (not in the future). Defaults to now.",
    )
    summary = serializers.CharField(
        max_length=SUMMARY_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name"]
        read_only_fields = fields


class StaffBriefingSerializer(serializers.ModelSerializer):
    author = PersonSerializer(read_only=True)
    departments = DepartmentSerializer(
        many=True, read_only=True, help_text="Empty: the briefing went to everyone."
    )

    delivered = serializers.IntegerField(
        read_only=True, help_text="Its emails and chat messages sent."
    )
    pending = serializers.IntegerField(
        read_only=True, help_text="Its emails and chat messages still to be sent (or retried)."
    )
    failed = serializers.IntegerField(
        read_only=True, help_text="Its emails and chat messages that could not be sent."
    )

    class Meta:
        model = StaffBriefing
        fields = [
            "id",
            "text",
            "departments",
            "author",
            "sent_at",
            "recipient_count",
            "notified_count",
            "notified_at",
            "delivered",
            "pending",
            "failed",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "recipient_count": {"help_text": "The people it is to be delivered to."},
            "notified_count": {"help_text": "The people notified in Crisis Desk so far."},
            "notified_at": {"help_text": "When every one of them was notified; null until then."},
        }


def _departments() -> Any:
    return Department.objects.all()


class StaffBriefingCreateSerializer(InputSerializer):
    text = serializers.CharField(max_length=BRIEFING_MAX_LENGTH)
    departments = serializers.PrimaryKeyRelatedField(
        queryset=_departments(),
        many=True,
        required=False,
        default=list,
        help_text="Department ids; empty or left out: everyone who can log in.",
    )
