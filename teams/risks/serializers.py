"""The risk register in the API: what a risk reads as, and what a client sends."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.people import active_people
from config.rest import DateTimeField, InputSerializer
from incidents.models import Category, Incident
from incidents.serializers import IncidentBriefSerializer, PersonSerializer
from teams.models import Mitigation, Playbook, Risk, RiskChange
from teams.models.risk_rules import BANDS

from .services import MAX_WATCH_TERM_LENGTH, MAX_WATCH_TERMS


class MitigationSerializer(serializers.ModelSerializer):
    owner = PersonSerializer(read_only=True)
    created_at = DateTimeField(read_only=True)

    class Meta:
        model = Mitigation
        fields = ["id", "text", "owner", "status", "created_at"]
        read_only_fields = fields


class RiskChangeSerializer(serializers.ModelSerializer):
    actor = PersonSerializer(read_only=True)
    at = DateTimeField(read_only=True)

    class Meta:
        model = RiskChange
        fields = ["at", "actor", "what", "fields"]
        read_only_fields = fields


class RiskSerializer(serializers.ModelSerializer):
    score = serializers.IntegerField(source="score_value", read_only=True)
    band = serializers.SerializerMethodField()  # the band's name
    owner = PersonSerializer(read_only=True)
    review_at = DateTimeField(read_only=True)
    review_overdue = serializers.BooleanField(read_only=True)
    realised = serializers.IntegerField(read_only=True, help_text="How many incidents.")
    keeps_happening = serializers.BooleanField(read_only=True)
    incidents = IncidentBriefSerializer(many=True, read_only=True)
    mitigations = MitigationSerializer(many=True, read_only=True)
    created_at = DateTimeField(read_only=True)
    updated_at = DateTimeField(read_only=True)

    class Meta:
        model = Risk
        fields = [
            "id",
            "title",
            "description",
            "category",
            "likelihood",
            "impact",
            "score",
            "band",
            "owner",
            "status",
            "playbook",
            "early_warning_signs",
            "watch_terms",
            "review_at",
            "review_overdue",
            "realised",
            "keeps_happening",
            "incidents",
            "mitigations",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "enum": [band.name for band in BANDS]})
    def get_band(self, risk: Risk) -> str:
        return risk.band.name


class RiskDetailSerializer(RiskSerializer):
    changes = RiskChangeSerializer(many=True, read_only=True)

    class Meta(RiskSerializer.Meta):
        fields = [*RiskSerializer.Meta.fields, "changes"]
        read_only_fields = fields


class RiskWriteSerializer(InputSerializer):
    """A new risk (title, category, likelihood, impact, owner, review_at needed) or a change
    (only the fields sent)."""

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, required=False, max_length=20_000)
    category = serializers.ChoiceField(choices=Category.choices)
    likelihood = serializers.IntegerField(min_value=1, max_value=5)
    impact = serializers.IntegerField(min_value=1, max_value=5)
    owner = serializers.PrimaryKeyRelatedField(queryset=active_people())
    status = serializers.ChoiceField(choices=Risk.Status.choices, required=False)
    playbook = serializers.PrimaryKeyRelatedField(
        queryset=Playbook.objects.all(), allow_null=True, required=False
    )
    early_warning_signs = serializers.CharField(allow_blank=True, required=False, max_length=20_000)
    watch_terms = serializers.ListField(
        child=serializers.CharField(max_length=MAX_WATCH_TERM_LENGTH),
        max_length=MAX_WATCH_TERMS,
        required=False,
    )
    review_at = DateTimeField()


class MitigationWriteSerializer(InputSerializer):
    text = serializers.CharField(max_length=300)
    owner = serializers.PrimaryKeyRelatedField(queryset=active_people())
    status = serializers.ChoiceField(choices=Mitigation.Status.choices, required=False)


class MitigationChangeSerializer(InputSerializer):
    text = serializers.CharField(max_length=300, required=False)
    owner = serializers.PrimaryKeyRelatedField(queryset=active_people(), required=False)
    status = serializers.ChoiceField(choices=Mitigation.Status.choices, required=False)


class RiskReviewSerializer(InputSerializer):
    next_review_at = DateTimeField(help_text="In the future.")
    note = serializers.CharField(max_length=250, allow_blank=True, required=False, default="")


class RiskRealisedSerializer(InputSerializer):
    incident = serializers.PrimaryKeyRelatedField(
        queryset=Incident.objects.all(), help_text="The incident's id."
    )
