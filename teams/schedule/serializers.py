"""API shapes of the response schedule: output serializers render; input serializers only
check types and bounds (the services decide the rules that span fields, such as a chain's
order)."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.rest import InputSerializer
from incidents.models import Severity
from incidents.serializers import PersonSerializer

from ..models import Deadline, EscalationStep, ResponsePolicy
from ..models.schedule import MAX_REPEATS
from .engine import SNOOZE_MINUTES
from .policies import MAX_APPROVALS, MAX_MINUTES, MAX_STEPS

REASON_MAX_LENGTH = 300
SNOOZE_CHOICES = [(minutes, f"{minutes} min") for minutes in SNOOZE_MINUTES]

TARGET_PATTERN = r"^(owner|crisis_lead|managers|executive_sponsor|on_call:[a-z0-9_-]{1,50})$"
TARGETS_HELP = (
    'Whom the step notifies: "owner", "crisis_lead", "managers", "executive_sponsor", or '
    '"on_call:<role slug>" for whoever is on call for that role.'
)


# --- policies --------------------------------------------------------------------------------


class EscalationStepSerializer(serializers.ModelSerializer):
    targets = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text=TARGETS_HELP
    )

    class Meta:
        model = EscalationStep
        fields = ["position", "offset_minutes", "targets"]
        read_only_fields = fields


class PolicySerializer(serializers.ModelSerializer):
    # The incidents' severity choices, so the schema shares one SeverityEnum.
    severity = serializers.ChoiceField(choices=Severity.choices, read_only=True)
    mention_reply_by_reach = serializers.DictField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="Followers → minutes: a mention by an author with at least that many "
        "followers is answered within those minutes.",
    )
    steps = EscalationStepSerializer(
        many=True,
        read_only=True,
        help_text="The escalation chain, in time order; its last step repeats repeat_times "
        "times, every repeat_minutes.",
    )
    updated_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ResponsePolicy
        fields = [
            "id",
            "severity",
            "acknowledge_minutes",
            "statement_minutes",
            "update_minutes",
            "mention_reply_minutes",
            "mention_reply_by_reach",
            "approvals_required",
            "repeat_minutes",
            "repeat_times",
            "steps",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = fields


def _minutes(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_MINUTES, required=False, **kwargs)


class EscalationStepWriteSerializer(InputSerializer):
    offset_minutes = serializers.IntegerField(
        min_value=-MAX_MINUTES,
        max_value=MAX_MINUTES,
        help_text="Minutes from the due time; negative: a reminder before it.",
    )
    # The roles are the admins' catalogue: the document states the shape of a target, the
    # service refuses a role that does not exist (400 on "steps").
    targets = serializers.ListField(
        child=serializers.RegexField(TARGET_PATTERN, max_length=60),
        min_length=1,
        help_text=TARGETS_HELP,
    )


class PolicyUpdateSerializer(InputSerializer):
    """Only the fields sent change; ``steps``, when sent, replaces the whole chain."""

    acknowledge_minutes = _minutes()
    statement_minutes = _minutes(
        allow_null=True, help_text="null: no public statement is planned at this severity."
    )
    update_minutes = _minutes(
        allow_null=True, help_text="null: no update cadence while responding or monitoring."
    )
    mention_reply_minutes = _minutes()
    mention_reply_by_reach = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_MINUTES),
        required=False,
        help_text='Followers (a whole number from 1) → minutes, e.g. {"10000": 15, "1000": 30}.',
    )
    approvals_required = serializers.IntegerField(
        min_value=1, max_value=MAX_APPROVALS, required=False
    )
    repeat_minutes = _minutes()
    repeat_times = serializers.IntegerField(min_value=0, max_value=MAX_REPEATS, required=False)
    steps = serializers.ListField(
        child=EscalationStepWriteSerializer(),
        required=False,
        min_length=1,
        max_length=MAX_STEPS,
        help_text="The whole chain, in time order, with at least one step at or after the "
        "due time (reminders alone escalate nobody).",
    )


# --- deadlines -------------------------------------------------------------------------------


class DeadlineIncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    reference = serializers.CharField(read_only=True)


class DeadlineSerializer(serializers.ModelSerializer):
    incident = DeadlineIncidentSerializer(read_only=True, allow_null=True)
    kind = serializers.ChoiceField(choices=Deadline.Kind.choices, read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    subject = serializers.CharField(
        read_only=True, help_text="What it is about, e.g. mention:42 or incident:7:acknowledge."
    )
    owner = PersonSerializer(read_only=True, allow_null=True)
    overdue = serializers.BooleanField(
        source="is_overdue", read_only=True, help_text="Still open past its due time."
    )
    next_step_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the chain next notifies someone; null: it will not (met, cancelled, "
        "acknowledged, or its last step fired).",
    )
    next_notify = serializers.SerializerMethodField(help_text=TARGETS_HELP)
    acknowledged_by = PersonSerializer(read_only=True, allow_null=True)
    url = serializers.CharField(
        read_only=True, help_text="The page where the promise is kept (the incident, the mention)."
    )
    page = serializers.CharField(
        source="get_absolute_url",
        read_only=True,
        help_text="The deadline's own page, where it is acknowledged or snoozed.",
    )

    class Meta:
        model = Deadline
        fields = [
            "id",
            "incident",
            "kind",
            "kind_label",
            "subject",
            "title",
            "owner",
            "due_at",
            "met_at",
            "cancelled_at",
            "cancel_reason",
            "overdue",
            "next_step_at",
            "next_notify",
            "acknowledged_at",
            "acknowledged_by",
            "snoozed_until",
            "url",
            "page",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_next_notify(self, deadline: Deadline) -> list[str]:
        if deadline.next_step is None or not deadline.steps:
            return []
        return deadline.step_targets(deadline.next_step)


class DeadlineAcknowledgeSerializer(InputSerializer):
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH, help_text="Why, for the incident's timeline."
    )


class DeadlineSnoozeSerializer(InputSerializer):
    minutes = serializers.ChoiceField(
        choices=SNOOZE_CHOICES,
        help_text="How long the chain waits.",
    )
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH, help_text="Why, for the incident's timeline."
    )
