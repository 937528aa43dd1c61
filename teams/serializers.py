"""API shapes of the teams app: output serializers render; input serializers only validate."""

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from config.rest import DateTimeField, InputSerializer
from incidents.models import Category, Severity, Source
from incidents.serializers import PersonSerializer as PersonBriefSerializer
from incidents.serializers import TagListField
from incidents.services import DECLARE_KEY_PATTERN

from .models import Notification, OnCallShift, Playbook, Role, RoleAssignment


class PersonDetailSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)
    department: "serializers.StringRelatedField[Any]" = serializers.StringRelatedField(
        allow_null=True
    )
    groups: "serializers.SlugRelatedField[Any]" = serializers.SlugRelatedField(
        slug_field="name", many=True, read_only=True
    )

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "name", "email", "title", "phone", "department", "groups"]
        read_only_fields = fields


class MyProfileSerializer(PersonDetailSerializer):
    """The caller's own record, with what only they (and admins) see and change: their
    timezone and language (empty: follow the browser) and chat webhook."""

    # A plain string: an empty one (no webhook) is no address.
    webhook_url = serializers.CharField(read_only=True)
    language = serializers.CharField(
        read_only=True, help_text='"en" or "tr"; "" when the person follows the browser.'
    )

    class Meta(PersonDetailSerializer.Meta):
        fields = [*PersonDetailSerializer.Meta.fields, "timezone", "language", "webhook_url"]
        read_only_fields = fields


class MyProfileUpdateSerializer(InputSerializer):
    """What a person changes on their own record; a field not sent stays as it is."""

    title = serializers.CharField(max_length=150, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    timezone = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="An IANA name such as Europe/Istanbul; empty: times follow the browser.",
    )
    language = serializers.CharField(
        max_length=8,
        required=False,
        allow_blank=True,
        help_text="en or tr: pages, emails and chat in this language; empty: the browser's.",
    )
    webhook_url = serializers.CharField(max_length=500, required=False, allow_blank=True)


class RoleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Role
        fields = ["slug", "name", "responsibilities", "position"]
        read_only_fields = fields


class RoleAssignmentSerializer(serializers.ModelSerializer):
    role = RoleSerializer(read_only=True)
    person = PersonBriefSerializer(read_only=True)
    assigned_by = PersonBriefSerializer(read_only=True)
    relieved_by = PersonBriefSerializer(read_only=True, allow_null=True)
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = RoleAssignment
        fields = [
            "id",
            "role",
            "person",
            "active",
            "assigned_at",
            "assigned_by",
            "relieved_at",
            "relieved_by",
        ]
        read_only_fields = fields


@extend_schema_serializer(many=False)  # the list action answers one object, not a list
class IncidentRolesSerializer(serializers.Serializer):
    active = RoleAssignmentSerializer(many=True, read_only=True)
    history = RoleAssignmentSerializer(many=True, read_only=True)


class RoleAssignSerializer(InputSerializer):
    role: "serializers.SlugRelatedField[Role]" = serializers.SlugRelatedField(
        slug_field="slug", queryset=Role.objects.all()
    )
    person = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all())
    hand_over = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=(
            "Relieve the current holders of the role in the same step. Always true for the "
            "crisis lead; false by default for other roles, which may have several holders."
        ),
    )


ON_CALL_SOURCES = ["shift", "roster", "backup", "nobody"]


class OnCallSerializer(serializers.Serializer):
    role = RoleSerializer(read_only=True)
    people = PersonBriefSerializer(many=True, read_only=True)
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=ON_CALL_SOURCES,
        read_only=True,
        help_text="Where the answer comes from: an on-call shift, the roster, its backups.",
    )


class ShiftSerializer(serializers.ModelSerializer):
    role: "serializers.SlugRelatedField[Role]" = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    person = PersonBriefSerializer(read_only=True)

    class Meta:
        model = OnCallShift
        fields = ["id", "role", "person", "starts_at", "ends_at"]
        read_only_fields = fields


class NotificationSerializer(serializers.ModelSerializer):
    incident: "serializers.SlugRelatedField[Any]" = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, allow_null=True
    )
    read = serializers.BooleanField(source="is_read", read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "reason",
            "subject",
            "incident",
            "title",
            "body",
            "url",
            "created_at",
            "read",
            "read_at",
        ]
        read_only_fields = fields


class OnCallBoardSerializer(serializers.Serializer):
    now = OnCallSerializer(many=True, read_only=True)
    shifts = ShiftSerializer(many=True, read_only=True)


class IncidentCreateSerializer(InputSerializer):
    """Declaring: the incident's details, and who leads it."""

    title = serializers.CharField(max_length=200)
    severity = serializers.ChoiceField(choices=Severity.choices)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.ChoiceField(choices=Category.choices, default=Category.OTHER)
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=Source.choices, default=Source.OTHER
    )
    tags = TagListField(required=False, default=list)
    detected_at = DateTimeField(required=False, allow_null=True, default=None)
    crisis_lead = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="Who leads the incident; the caller when left out.",
    )
    playbook = serializers.PrimaryKeyRelatedField(
        queryset=Playbook.objects.filter(archived_at__isnull=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="Declare from this playbook: its current version's checklist, roles to "
        "staff and stakeholders are added, and its templates offered in the composer.",
    )
    declare_key = serializers.RegexField(
        DECLARE_KEY_PATTERN,
        required=False,
        default="",
        help_text="Any unique value (a UUID) of up to 64 letters, digits, dashes and "
        "underscores: sending the same declaration again with it returns the incident the "
        "first send declared instead of declaring a second one. The Idempotency-Key header "
        "does the same.",
    )
