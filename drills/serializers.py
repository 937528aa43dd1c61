"""The drills in the API: a drill's record, a run as it plays, its report, and what a client
sends to record a drill or start one."""

from django.urls import reverse
from rest_framework import serializers

from communications.models import SocialAccount
from config.people import active_people
from config.rest import DateTimeField, InputSerializer
from incidents.serializers import IncidentBriefSerializer, PersonSerializer

from .models import Drill, DrillRun
from .scenario import MAX_BYTES
from .services import MAX_SPEED, run_scenario


class DrillSerializer(serializers.ModelSerializer):
    page = serializers.SerializerMethodField(help_text="The drill's page in the browser.")
    held_at = DateTimeField(read_only=True)
    participants = PersonSerializer(many=True, read_only=True)
    created_by = PersonSerializer(read_only=True)
    created_at = DateTimeField(read_only=True)
    run = serializers.SerializerMethodField(help_text="The run it was played from, if any.")

    class Meta:
        model = Drill
        fields = [
            "id",
            "page",
            "title",
            "scenario",
            "held_at",
            "participants",
            "findings",
            "follow_ups",
            "created_by",
            "created_at",
            "run",
        ]
        read_only_fields = fields

    def get_page(self, drill: Drill) -> str:
        return drill.get_absolute_url()

    def get_run(self, drill: Drill) -> int | None:
        run = getattr(drill, "run", None)  # a drill recorded by hand has none
        return run.pk if run is not None else None


class DrillWriteSerializer(InputSerializer):
    title = serializers.CharField(max_length=200)
    scenario = serializers.CharField(help_text="What was played: the trigger, the injects.")
    held_at = DateTimeField()
    participants = serializers.PrimaryKeyRelatedField(
        queryset=active_people(), many=True, required=False
    )
    findings = serializers.CharField(required=False, allow_blank=True)
    follow_ups = serializers.CharField(required=False, allow_blank=True)


class DrillAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    handle = serializers.CharField()


class DrillRunSerializer(serializers.ModelSerializer):
    page = serializers.SerializerMethodField(help_text="The run's page in the browser.")
    report_page = serializers.SerializerMethodField(help_text="Its report in the browser.")
    drill_title = serializers.CharField(source="drill.title", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    posts_total = serializers.SerializerMethodField(help_text="How many posts the scenario has.")
    based_on = DrillAccountSerializer(
        read_only=True, allow_null=True, help_text="The brand account it stands in for."
    )
    account = DrillAccountSerializer(
        read_only=True, allow_null=True, help_text="The drill account its posts arrive on."
    )
    incident = IncidentBriefSerializer(
        read_only=True, allow_null=True, help_text="The drill incident, once declared."
    )
    started_by = PersonSerializer(read_only=True)
    started_at = DateTimeField(read_only=True)
    played_at = DateTimeField(read_only=True, allow_null=True)
    finished_by = PersonSerializer(read_only=True, allow_null=True)
    finished_at = DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = DrillRun
        fields = [
            "id",
            "page",
            "report_page",
            "drill",
            "drill_title",
            "scenario_name",
            "speed",
            "status",
            "status_label",
            "posts_played",
            "posts_total",
            "based_on",
            "account",
            "incident",
            "started_by",
            "started_at",
            "played_at",
            "finished_by",
            "finished_at",
        ]
        read_only_fields = fields

    def get_page(self, run: DrillRun) -> str:
        return run.get_absolute_url()

    def get_report_page(self, run: DrillRun) -> str:
        return reverse("drills:report", kwargs={"pk": run.pk})

    def get_posts_total(self, run: DrillRun) -> int:
        return run_scenario(run).posts


class DrillStartSerializer(InputSerializer):
    scenario = serializers.CharField(
        max_length=100,
        help_text="A shipped scenario's name (GET /drill-runs/scenarios/), or the name of the "
        "scenario sent in ``text``.",
    )
    text = serializers.CharField(
        required=False,
        max_length=MAX_BYTES,
        help_text="A scenario file of one's own (YAML or JSON, as the README describes).",
    )
    speed = serializers.IntegerField(min_value=1, max_value=MAX_SPEED, default=1)
    based_on = serializers.PrimaryKeyRelatedField(
        queryset=SocialAccount.objects.all(),
        required=False,
        allow_null=True,
        help_text="The brand account the drill stands in for; nothing reaches it.",
    )


class ScenarioSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    language = serializers.CharField()
    severity = serializers.IntegerField()
    summary = serializers.CharField()
    posts = serializers.IntegerField()
    length_seconds = serializers.IntegerField()


# --- the report (drills.measures.DrillReport, key for key) ---------------------------------

TARGET_STATUSES = ["met", "missed", "not_yet"]
MENTION_OUTCOMES = ["replied", "unanswered"]


class TargetSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    status = serializers.ChoiceField(choices=TARGET_STATUSES)
    measured_seconds = serializers.FloatField(allow_null=True)
    target_seconds = serializers.FloatField(allow_null=True)
    note = serializers.CharField(allow_blank=True)


class ReportMentionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.CharField()
    followers = serializers.IntegerField()
    posted_at = serializers.CharField()
    replied_at = serializers.CharField(allow_null=True)
    outcome = serializers.ChoiceField(choices=MENTION_OUTCOMES)
    status = serializers.ChoiceField(choices=TARGET_STATUSES)
    measured_seconds = serializers.FloatField(allow_null=True)
    target_seconds = serializers.FloatField()


class SummarySerializer(serializers.Serializer):
    met = serializers.IntegerField()
    missed = serializers.IntegerField()
    not_yet = serializers.IntegerField()


class DrillReportSerializer(serializers.Serializer):
    """A drill measured against its response policy: as kept once finished, measured now
    while it runs. Times are ISO 8601, durations seconds."""

    computed_at = serializers.CharField()
    run = serializers.JSONField()
    incident = serializers.JSONField(allow_null=True)
    policy = serializers.JSONField(allow_null=True)
    moments = serializers.JSONField()
    targets = TargetSerializer(many=True)
    mentions = ReportMentionSerializer(many=True)
    rumours = serializers.JSONField()
    update_cadence = serializers.JSONField(allow_null=True)
    summary = SummarySerializer()
