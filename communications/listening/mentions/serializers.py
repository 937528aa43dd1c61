"""API shapes of mentions: output serializers render; input serializers only parse and
validate (the services decide)."""

import re
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from communications.accounts.models import SocialAccount
from communications.listening.mentions.services import (
    DECISIONS,
    HANDLE,
    POST_URL,
    REASON_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    Bulk,
)
from communications.listening.models import InboundPost
from config.rest import DateTimeField, InputSerializer
from incidents.models import Incident
from incidents.rehearsals import is_rehearsal
from incidents.serializers import PersonSerializer

T = InboundPost.Triage
# The form of a post's link, written for the OpenAPI document: without Python's named groups.
POST_LINK = re.sub(r"\?P<\w+>", "", POST_URL.pattern)


class MentionAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    handle = serializers.CharField(read_only=True)


class MentionIncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    reference = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)


class MentionAuthorSerializer(serializers.Serializer):
    id = serializers.CharField(source="author_id", read_only=True, help_text="The user id on X.")
    handle = serializers.CharField(source="author_handle", read_only=True)
    name = serializers.CharField(source="author_name", read_only=True)
    followers = serializers.IntegerField(
        source="author_followers", read_only=True, help_text="The reach of the post."
    )


class MentionSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="post_url", read_only=True, help_text="The post on X.")
    account = MentionAccountSerializer(read_only=True)
    origin = serializers.ChoiceField(choices=InboundPost.Origin.choices, read_only=True)
    author = MentionAuthorSerializer(source="*", read_only=True)
    incident = MentionIncidentSerializer(read_only=True, allow_null=True)
    triage = serializers.ChoiceField(choices=T.choices, read_only=True)
    triage_label = serializers.CharField(source="get_triage_display", read_only=True)
    triage_reason = serializers.CharField(
        read_only=True, help_text="Why no reply is needed (or why it was escalated)."
    )
    assignee = PersonSerializer(read_only=True, allow_null=True)
    triaged_by = PersonSerializer(read_only=True, allow_null=True)
    is_drill = serializers.SerializerMethodField(
        help_text="A drill's post (played from its scenario), never a real one."
    )
    overdue = serializers.BooleanField(
        source="is_overdue",
        read_only=True,
        help_text="Still waiting (new, needs reply, escalated) past its reply deadline.",
    )

    class Meta:
        model = InboundPost
        fields = [
            "id",
            "external_id",
            "url",
            "account",
            "origin",
            "is_drill",
            "author",
            "text",
            "language",
            "posted_at",
            "fetched_at",
            "incident",
            "triage",
            "triage_label",
            "triage_reason",
            "assignee",
            "triaged_by",
            "triaged_at",
            "reply_due_at",
            "overdue",
        ]
        read_only_fields = fields

    def get_is_drill(self, post: InboundPost) -> bool:
        return is_rehearsal(post)


class MentionTriageSerializer(InputSerializer):
    status = serializers.ChoiceField(
        choices=[(value, T(value).label) for value in DECISIONS],
        help_text="needs_reply, no_reply (give a reason), escalated (notifies the crisis lead), "
        "or replied (for a reply made elsewhere: give reply_url; a reply published from "
        "Crisis Desk marks the mention replied by itself).",
    )
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    reply_url = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text="The link of a reply made outside Crisis Desk (status replied only).",
    )


def _people() -> Any:
    return get_user_model().objects.filter(is_active=True)


class MentionAssignSerializer(InputSerializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=_people(),
        allow_null=True,
        help_text="A person who may triage mentions; null: nobody.",
    )


class MentionLinkSerializer(InputSerializer):
    incident = serializers.PrimaryKeyRelatedField(
        queryset=Incident.objects.all(),
        allow_null=True,
        help_text="An incident that is not closed or declined; null: unlink.",
    )


class MentionBulkSerializer(InputSerializer):
    mentions = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        allow_empty=False,
        max_length=100,
        help_text="The mentions' ids (at most 100).",
    )
    action = serializers.ChoiceField(choices=Bulk.choices)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=_people(),
        allow_null=True,
        required=False,
        default=None,
        help_text="For assign: a person who may triage mentions; null: nobody.",
    )
    incident = serializers.PrimaryKeyRelatedField(
        queryset=Incident.objects.all(),
        allow_null=True,
        required=False,
        default=None,
        help_text="For link: an incident that is not closed or declined.",
    )
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required for no_reply; kept with the others.",
    )


class MentionCreateSerializer(InputSerializer):
    account = serializers.PrimaryKeyRelatedField(queryset=SocialAccount.objects.all())
    url = serializers.RegexField(
        POST_LINK,
        max_length=300,
        help_text="The post's link: https://x.com/handle/status/123",
        error_messages={
            "invalid": _("Give the post's link, like https://x.com/handle/status/123.")
        },
    )
    text = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    author_handle = serializers.RegexField(
        HANDLE.pattern,
        max_length=16,
        required=False,
        allow_blank=True,
        default="",
        help_text="Taken from the link when left out.",
        error_messages={"invalid": _("An X handle has 1 to 15 letters, digits or underscores.")},
    )
    author_name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    author_followers = serializers.IntegerField(
        min_value=0, max_value=2**31 - 1, required=False, default=0
    )
    posted_at = DateTimeField(
        required=False, allow_null=True, default=None, help_text="Defaults to now."
    )
    incident = serializers.PrimaryKeyRelatedField(
        queryset=Incident.objects.all(), required=False, allow_null=True, default=None
    )
