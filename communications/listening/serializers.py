"""Listening in the API: an alert as it reads, what declaring and dismissing take, and the
volume series the charts draw."""

from rest_framework import serializers

from communications.listening.alerts import alert_severity_and_reason
from communications.listening.models import Alert, InboundPost
from config.rest import DateTimeField, InputSerializer
from incidents.models import Severity
from incidents.serializers import PersonSerializer
from teams.playbooks.selectors import playbooks_to_declare_from


class AlertPostSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="post_url", read_only=True)
    posted_at = DateTimeField(read_only=True)

    class Meta:
        model = InboundPost
        fields = ["id", "author_handle", "author_followers", "text", "url", "posted_at"]
        read_only_fields = fields


class AlertAuthorSerializer(serializers.Serializer):
    handle = serializers.CharField()
    followers = serializers.IntegerField()


class AlertIncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()


class AlertPlaybookSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AlertSerializer(serializers.ModelSerializer):
    account = serializers.CharField(source="account.handle", read_only=True)
    account_id = serializers.IntegerField(read_only=True)
    explanation = serializers.CharField(read_only=True)
    raised_at = DateTimeField(read_only=True)
    window_start = DateTimeField(read_only=True)
    window_end = DateTimeField(read_only=True)
    last_spiking_at = DateTimeField(read_only=True)
    spike_ended_at = DateTimeField(read_only=True, allow_null=True)
    big_authors = AlertAuthorSerializer(many=True, read_only=True)
    top_words = serializers.ListField(child=serializers.CharField(), read_only=True)
    top_posts = AlertPostSerializer(many=True, read_only=True)
    suggested_playbook = AlertPlaybookSerializer(read_only=True, allow_null=True)
    incident = AlertIncidentSerializer(read_only=True, allow_null=True)
    decided_by = PersonSerializer(read_only=True, allow_null=True)
    decided_at = DateTimeField(read_only=True, allow_null=True)
    suggested_severity = serializers.SerializerMethodField(
        help_text="The severity the alert's evidence reads as (1 the most severe): words of "
        "harm or a wide spike with wide-reach authors 1, wide-reach authors or a fast spike 2, "
        "else 3; declaring without a severity uses it (a drill's: its scenario's)."
    )
    suggested_severity_because = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "account",
            "account_id",
            "status",
            "explanation",
            "raised_at",
            "window_start",
            "window_end",
            "posts",
            "usual",
            "spread",
            "ratio",
            "baseline_source",
            "baseline_label",
            "peak_posts",
            "last_spiking_at",
            "spike_ended_at",
            "big_authors",
            "top_words",
            "top_posts",
            "suggested_playbook",
            "suggested_because",
            "incident",
            "decided_by",
            "decided_at",
            "dismiss_reason",
            "suggested_severity",
            "suggested_severity_because",
        ]
        read_only_fields = fields

    def get_suggested_severity(self, alert: Alert) -> int:
        return alert_severity_and_reason(alert)[0]

    def get_suggested_severity_because(self, alert: Alert) -> str:
        return str(alert_severity_and_reason(alert)[1])


class AlertDeclareSerializer(InputSerializer):
    title = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Empty: “Spike on @account: its top words”.",
    )
    severity = serializers.ChoiceField(
        choices=Severity.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="Empty: the playbook's usual severity, else SEV3.",
    )
    playbook = serializers.PrimaryKeyRelatedField(
        queryset=playbooks_to_declare_from(),
        required=False,
        allow_null=True,
        help_text="Left out: the alert's suggested playbook; null: none.",
    )


class AlertDismissSerializer(InputSerializer):
    reason = serializers.CharField(max_length=300)


class AlertAttachSerializer(InputSerializer):
    incident = serializers.IntegerField(
        help_text="An open incident's id: a real one for a real alert, a drill for a drill's."
    )


class VolumePointSerializer(serializers.Serializer):
    start = DateTimeField()
    posts = serializers.IntegerField()
    reach = serializers.IntegerField()
    usual = serializers.FloatField(help_text="The usual posts of such a bucket at that time.")


class VolumeSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    term = serializers.IntegerField(allow_null=True)
    risk = serializers.IntegerField(allow_null=True)
    since = DateTimeField()
    until = DateTimeField()
    bucket = serializers.IntegerField(help_text="Minutes per bucket.")
    series = VolumePointSerializer(many=True)
