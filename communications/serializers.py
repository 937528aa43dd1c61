"""API shapes of communications: output serializers render; input serializers only validate.
Credentials never appear in any of them."""

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from communications.messaging.gate import Stop
from communications.messaging.preflight import Check
from config.rest import DateTimeField, InputSerializer
from incidents.models import Category, Claim, Incident, Promise, Severity
from incidents.serializers import ChecklistItemSerializer, PersonSerializer
from teams.models import (
    Channel,
    Department,
    Playbook,
    PlaybookVersion,
    Role,
    StakeholderGroup,
)
from teams.playbooks.services import MAX_DUE_MINUTES

from .models import (
    Approval,
    InboundPost,
    Message,
    PublishingPause,
    SocialAccount,
    StatementPage,
    Template,
    ThreadPart,
    WordingRule,
    WordingRuleChange,
)
from .validators import POST_REFERENCE_MAX_LENGTH, validate_post_reference


class AccountSerializer(serializers.ModelSerializer):
    sandbox = serializers.BooleanField(source="is_sandbox", read_only=True)
    rotation_due = serializers.BooleanField(
        read_only=True,
        help_text="The credentials are older than the rotation policy allows "
        "(communications.accounts.rotation.rotation_due_condition).",
    )

    class Meta:
        model = SocialAccount
        fields = [
            "id",
            "platform",
            "handle",
            "display_name",
            "external_user_id",
            "sandbox",
            "two_factor_enabled",
            "credentials_rotated_at",
            "rotation_due",
            "is_active",
        ]
        read_only_fields = fields


class ApprovalSerializer(serializers.ModelSerializer):
    approver = PersonSerializer(read_only=True)
    voided = serializers.SerializerMethodField()

    class Meta:
        model = Approval
        fields = ["id", "approver", "decision", "comment", "at", "voided", "voided_at"]
        read_only_fields = fields

    def get_voided(self, approval: Approval) -> bool:
        return approval.voided_at is not None


class ThreadPartSerializer(serializers.ModelSerializer):
    class Meta:
        model = ThreadPart
        fields = ["position", "body", "external_id"]
        read_only_fields = fields


class MessageIncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    reference = serializers.CharField(read_only=True)


class MessageAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    handle = serializers.CharField(read_only=True)
    sandbox = serializers.BooleanField(source="is_sandbox", read_only=True)


class MessageSerializer(serializers.ModelSerializer):
    incident = MessageIncidentSerializer(read_only=True)
    account = MessageAccountSerializer(
        read_only=True,
        allow_null=True,
        help_text="Null for staff briefings and stakeholder updates: they go to no network.",
    )
    author = PersonSerializer(read_only=True)
    parts = ThreadPartSerializer(many=True, read_only=True)
    approvals = ApprovalSerializer(many=True, read_only=True)
    cited_claims: "serializers.PrimaryKeyRelatedField[Claim]" = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    reply_to_mention: "serializers.PrimaryKeyRelatedField[InboundPost]" = (
        serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    )
    corrects: "serializers.PrimaryKeyRelatedField[Message]" = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    stakeholder_group: "serializers.PrimaryKeyRelatedField[Any]" = (
        serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    )
    stakeholder_channel = serializers.ChoiceField(
        choices=Channel.choices,
        allow_blank=True,
        read_only=True,
        help_text="Stakeholder updates: how they are told; empty for every other kind.",
    )
    briefing_departments: "serializers.PrimaryKeyRelatedField[Any]" = (
        serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    )
    external_url = serializers.CharField(
        read_only=True, help_text="The post on X; empty until it is published."
    )

    class Meta:
        model = Message
        fields = [
            "id",
            "incident",
            "account",
            "kind",
            "body",
            "parts",
            "language",
            "stakeholder_group",
            "stakeholder_channel",
            "briefing_departments",
            "reply_to_mention",
            "reply_to_post_id",
            "quote_post_id",
            "corrects",
            "cited_claims",
            "author",
            "status",
            "scheduled_at",
            "approvals_required",
            "approvals",
            "submitted_at",
            "approved_at",
            "attempts",
            "last_error",
            "external_id",
            "external_url",
            "sandbox",
            "published_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class LapsedApprovalSerializer(serializers.Serializer):
    approver = PersonSerializer()
    why = serializers.CharField(help_text="Why this approval of the text no longer counts.")


class ApprovalCountSerializer(serializers.Serializer):
    needed = serializers.IntegerField(
        help_text="The highest bar the message has been under since it was drafted."
    )
    counted = serializers.IntegerField(help_text="Approvals that count now.")
    missing = serializers.IntegerField()
    stuck = serializers.BooleanField(
        help_text="Fewer people can still approve it than it needs: an admin must act."
    )
    can_approve = PersonSerializer(many=True, help_text="Who can still give one.")
    lapsed = LapsedApprovalSerializer(many=True)
    outlook = serializers.CharField(help_text="All of this in one sentence.")


class GateSerializer(serializers.Serializer):
    may_go_out = serializers.BooleanField(
        help_text="What the last gate would answer now. It is asked again, for real, inside "
        "the transaction that sends each post."
    )
    stop = serializers.ChoiceField(
        choices=[(stop.value, stop.value) for stop in Stop],
        allow_null=True,
        help_text="Why not: incident_over, drill, account_off, unfilled, never_say, "
        "target_gone, paused, changed, approvals.",
    )
    reason = serializers.CharField(allow_blank=True)
    approvals = ApprovalCountSerializer()


# What a pre-flight finding can be (communications.messaging.preflight.Check).
PREFLIGHT_CHECKS = [(check.value, check.value) for check in Check]


class SpanSerializer(serializers.Serializer):
    part = serializers.IntegerField(
        help_text="Which text: 0 the body, 1 on the thread's further posts in order."
    )
    start = serializers.IntegerField(help_text="The first character (0-based, in code points).")
    end = serializers.IntegerField(help_text="One past the last character.")
    words = serializers.CharField()


class FindingRuleSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class FindingSerializer(serializers.Serializer):
    check = serializers.ChoiceField(choices=PREFLIGHT_CHECKS)
    blocking = serializers.BooleanField(
        help_text="A blocking finding stops the message (submit, approve and publish refuse); "
        "a warning is for the approver to weigh."
    )
    text = serializers.CharField(help_text="What was found and why it matters, in one sentence.")
    spans = SpanSerializer(many=True)
    rule = FindingRuleSerializer(allow_null=True, help_text="The wording rule that found it.")


class PreflightSerializer(serializers.Serializer):
    blocking = serializers.BooleanField(help_text="Whether any finding blocks the message.")
    findings = FindingSerializer(many=True, help_text="Blocking findings first.")


class StatementPageSerializer(serializers.ModelSerializer):
    incident = MessageIncidentSerializer(read_only=True)
    switched_on_by = PersonSerializer(read_only=True)
    switched_off_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = StatementPage
        fields = [
            "id",
            "incident",
            "headline",
            "prepared_from",
            "prepared",
            "is_live",
            "switched_on_at",
            "switched_on_by",
            "switched_off_at",
            "switched_off_by",
        ]
        read_only_fields = fields


class StatementPageSwitchOnSerializer(InputSerializer):
    incident = serializers.PrimaryKeyRelatedField(queryset=Incident.objects.all())
    headline = serializers.CharField(
        max_length=200,
        help_text="What the public reads as its title; never the team's working title.",
    )


class StatementPagePreparedSerializer(InputSerializer):
    incident = serializers.PrimaryKeyRelatedField(queryset=Incident.objects.all())
    name = serializers.CharField(
        max_length=150,
        help_text="The prepared page's name (a template of kind page the incident's playbook "
        "offers, approved, one per language).",
    )


class SubscriberCountsSerializer(serializers.Serializer):
    confirmed = serializers.IntegerField(read_only=True)
    waiting = serializers.IntegerField(
        read_only=True, help_text="Asked, not confirmed yet (deleted if never confirmed)."
    )
    by_language = serializers.DictField(
        child=serializers.IntegerField(), read_only=True, help_text="Confirmed, per language."
    )


class WordingRuleSerializer(serializers.ModelSerializer):
    created_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = WordingRule
        fields = [
            "id",
            "name",
            "kind",
            "shape",
            "words",
            "reason",
            "examples_flagged",
            "examples_passed",
            "is_active",
            "created_by",
            "created_at",
            "updated_at",
        ]


class WordingRuleChangeSerializer(serializers.ModelSerializer):
    actor = PersonSerializer(read_only=True)

    class Meta:
        model = WordingRuleChange
        fields = ["id", "action", "actor", "at", "reason", "before", "after"]


class WordingRuleWriteSerializer(InputSerializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=WordingRule.Kind.choices)
    shape = serializers.ChoiceField(choices=WordingRule.Shape.choices)
    words = serializers.CharField(
        max_length=20_000, allow_blank=True, required=False, trim_whitespace=False
    )
    reason = serializers.CharField(max_length=2000)
    examples_flagged = serializers.CharField(max_length=20_000)
    examples_passed = serializers.CharField(max_length=20_000)
    change_reason = serializers.CharField(
        max_length=500,
        required=False,
        default="",
        allow_blank=True,
        help_text="Why the rule changes: required for a change (kept on record).",
    )


class WordingRuleRetireSerializer(InputSerializer):
    change_reason = serializers.CharField(max_length=500, help_text="Why (kept on record).")
    in_force = serializers.BooleanField(
        required=False, default=False, help_text="true puts a retired rule back in force."
    )


class MessageWriteSerializer(InputSerializer):
    kind = serializers.ChoiceField(
        choices=Message.Kind.choices, required=False, help_text="Unchanged when left out."
    )
    body = serializers.CharField(max_length=5000, trim_whitespace=False)
    parts = serializers.ListField(
        child=serializers.CharField(max_length=5000), required=False, default=list
    )
    reply_to_mention = serializers.PrimaryKeyRelatedField(
        queryset=InboundPost.objects.all(), required=False, allow_null=True, default=None
    )
    reply_to_post = serializers.CharField(
        max_length=POST_REFERENCE_MAX_LENGTH,
        validators=[validate_post_reference],
        required=False,
        allow_blank=True,
        default="",
        help_text="A post id or its URL.",
    )
    quote_post = serializers.CharField(
        max_length=POST_REFERENCE_MAX_LENGTH,
        validators=[validate_post_reference],
        required=False,
        allow_blank=True,
        default="",
        help_text="A post id or its URL.",
    )
    corrects: "serializers.PrimaryKeyRelatedField[Message]" = serializers.PrimaryKeyRelatedField(
        queryset=Message.objects.all(), required=False, allow_null=True, default=None
    )
    cited_claims = serializers.PrimaryKeyRelatedField(
        queryset=Claim.objects.all(), many=True, required=False, default=list
    )
    scheduled_at = DateTimeField(required=False, allow_null=True, default=None)
    stakeholder_group = serializers.PrimaryKeyRelatedField(
        queryset=StakeholderGroup.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Stakeholder updates: the group told.",
    )
    stakeholder_channel = serializers.ChoiceField(
        choices=Channel.choices,
        allow_blank=True,
        required=False,
        default="",
        help_text="Stakeholder updates: how they are told; empty for every other kind.",
    )
    briefing_departments = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(),
        many=True,
        required=False,
        default=list,
        help_text="Staff briefings: the departments briefed; empty: everyone.",
    )
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        allow_blank=True,
        required=False,
        default="",
        help_text="Statement page updates: the page it goes on; empty for every other kind.",
    )


REPLY_ANYWAY_HELP = (
    "A reply to a mention that another reply already answers (waiting for approval, "
    "approved or published) is submitted only with true; otherwise 400 on this field."
)


class MessageCreateSerializer(MessageWriteSerializer):
    kind = serializers.ChoiceField(choices=Message.Kind.choices, default=Message.Kind.TWEET)
    incident = serializers.PrimaryKeyRelatedField(queryset=Incident.objects.all())
    account = serializers.PrimaryKeyRelatedField(
        queryset=SocialAccount.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The account to post from; none for staff briefings, stakeholder updates and "
        "statement page updates.",
    )
    submit = serializers.BooleanField(
        required=False, default=False, help_text="Submit for approval right away."
    )
    reply_anyway = serializers.BooleanField(
        required=False,
        default=False,
        help_text=REPLY_ANYWAY_HELP,
    )


class SubmitSerializer(InputSerializer):
    reply_anyway = serializers.BooleanField(
        required=False, default=False, help_text=REPLY_ANYWAY_HELP
    )


class DecisionSerializer(InputSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class RefusalSerializer(InputSerializer):
    comment = serializers.CharField(help_text="Why: required.")


class WithdrawSerializer(InputSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class TemplateSerializer(serializers.ModelSerializer):
    approved = serializers.BooleanField(source="is_approved", read_only=True)
    approved_by = PersonSerializer(read_only=True, allow_null=True)
    created_by = PersonSerializer(read_only=True)

    class Meta:
        model = Template
        fields = [
            "id",
            "name",
            "kind",
            "language",
            "body",
            "headline",
            "faq",
            "approved",
            "approved_by",
            "approved_at",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TemplateWriteSerializer(InputSerializer):
    name = serializers.CharField(max_length=150)
    kind = serializers.ChoiceField(choices=Template.Kind.choices)
    language = serializers.RegexField(
        # communications.messaging.services.statements.LANGUAGE_CODE, before it is lower-cased.
        r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$",
        max_length=10,
        default="en",
        help_text="A language code such as en, tr or pt-BR.",
        error_messages={"invalid": _("Give a language code such as en or tr.")},
    )
    body = serializers.CharField(max_length=5000)
    headline = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="Prepared statement pages (kind page) only: the public headline.",
    )
    faq = serializers.CharField(
        max_length=20000,
        required=False,
        allow_blank=True,
        help_text="Prepared statement pages only: questions and answers, in Markdown.",
    )


class TemplateRenderSerializer(InputSerializer):
    incident = serializers.PrimaryKeyRelatedField(
        queryset=Incident.objects.all(), required=False, allow_null=True, default=None
    )
    handle = serializers.CharField(required=False, allow_blank=True, default="")
    next_update = DateTimeField(required=False, allow_null=True, default=None)


class RenderedSerializer(serializers.Serializer):
    text = serializers.CharField(read_only=True)
    length = serializers.IntegerField(read_only=True, help_text="X's weighted length.")
    valid = serializers.BooleanField(read_only=True)
    unfilled = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Placeholders still in braces: the writer fills them before submitting.",
    )


class PausedAccountSerializer(serializers.ModelSerializer):
    sandbox = serializers.BooleanField(source="is_sandbox", read_only=True)

    class Meta:
        model = SocialAccount
        fields = ["id", "platform", "handle", "display_name", "sandbox"]
        read_only_fields = fields


class PublishingPauseSerializer(serializers.ModelSerializer):
    account = PausedAccountSerializer(
        read_only=True, allow_null=True, help_text="null: every account is paused."
    )
    paused_by = PersonSerializer(read_only=True)
    resumed_by = PersonSerializer(read_only=True, allow_null=True)
    active = serializers.BooleanField(source="is_active", read_only=True)
    released = serializers.ListField(
        child=serializers.IntegerField(), read_only=True, help_text="Messages released on resume."
    )
    returned = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="Messages sent back to draft on resume (not released).",
    )

    class Meta:
        model = PublishingPause
        fields = [
            "id",
            "account",
            "reason",
            "paused_by",
            "paused_at",
            "active",
            "resumed_by",
            "resumed_at",
            "released",
            "returned",
        ]
        read_only_fields = fields


class PauseCreateSerializer(InputSerializer):
    account = serializers.PrimaryKeyRelatedField(
        queryset=SocialAccount.objects.all(),
        allow_null=True,
        required=False,
        default=None,
        help_text="The account to pause; null or absent: every account.",
    )
    reason = serializers.CharField(max_length=500, help_text="Why (shown on every page).")


class PauseResumeSerializer(InputSerializer):
    release = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        help_text="Ids of waiting messages to publish now; every other waiting message goes "
        "back to draft (default: none released).",
    )


# --- playbooks ------------------------------------------------------------------------------


class PlaybookChecklistItemSerializer(InputSerializer):
    title = serializers.CharField(max_length=300)
    due_minutes = serializers.IntegerField(
        min_value=0,
        max_value=MAX_DUE_MINUTES,
        allow_null=True,
        required=False,
        default=None,
        help_text="Due so many minutes after the playbook is applied (declaring); null: no "
        "due time.",
    )
    role = serializers.CharField(
        max_length=50,
        allow_null=True,
        required=False,
        default=None,
        help_text="The code of the role that owns the item (its holder in the incident, else "
        "whoever is on call for it); null: the crisis lead.",
    )
    meets = serializers.ChoiceField(
        choices=Promise.choices,
        allow_null=True,
        required=False,
        default=None,
        help_text="The incident's promise the item does: it takes that promise's deadline "
        "instead of one of its own, and is done when the promise is kept.",
    )


class PlaybookStakeholderSerializer(InputSerializer):
    group = serializers.PrimaryKeyRelatedField(queryset=StakeholderGroup.objects.all())
    channel = serializers.ChoiceField(choices=Channel.choices)
    within_minutes = serializers.IntegerField(min_value=0, max_value=MAX_DUE_MINUTES)


class PlaybookStakeholderOutSerializer(serializers.Serializer):
    group = serializers.IntegerField(source="group_id")
    group_name = serializers.CharField(source="group.name")
    channel = serializers.CharField()
    within_minutes = serializers.IntegerField()


class PlaybookVersionSerializer(serializers.ModelSerializer):
    checklist = PlaybookChecklistItemSerializer(many=True, read_only=True)
    roles: Any = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    stakeholders = PlaybookStakeholderOutSerializer(many=True, read_only=True)
    templates: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    created_by = PersonSerializer(read_only=True)
    created_at = DateTimeField(read_only=True)

    class Meta:
        model = PlaybookVersion
        fields = [
            "number",
            "scenario",
            "severity_hint",
            "first_steps",
            "checklist",
            "roles",
            "stakeholders",
            "templates",
            "note",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class PlaybookSerializer(serializers.ModelSerializer):
    archived = serializers.SerializerMethodField()
    current_version = serializers.SerializerMethodField()
    created_at = DateTimeField(read_only=True)

    class Meta:
        model = Playbook
        fields = ["id", "name", "category", "archived", "created_at", "current_version"]
        read_only_fields = fields

    def get_archived(self, playbook: Playbook) -> bool:
        return playbook.archived_at is not None

    @extend_schema_field(PlaybookVersionSerializer)
    def get_current_version(self, playbook: Playbook) -> Any:
        versions = sorted(playbook.versions.all(), key=lambda v: v.number)
        return PlaybookVersionSerializer(versions[-1]).data if versions else None


class PlaybookWriteSerializer(InputSerializer):
    """A playbook's next version: only the fields sent change; the rest is copied."""

    name = serializers.CharField(max_length=150)
    category = serializers.ChoiceField(choices=Category.choices)
    scenario = serializers.CharField(max_length=20_000)
    severity_hint = serializers.ChoiceField(choices=Severity.choices, required=False)
    first_steps = serializers.CharField(max_length=20_000, allow_blank=True, required=False)
    checklist = PlaybookChecklistItemSerializer(many=True, required=False)
    roles = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Role.objects.all(),
        many=True,
        required=False,
        help_text="Role codes.",
    )
    stakeholders = PlaybookStakeholderSerializer(many=True, required=False)
    templates = serializers.PrimaryKeyRelatedField(
        queryset=Template.objects.all(),
        many=True,
        required=False,
        help_text="Approved templates offered in the composer of incidents using it.",
    )
    note = serializers.CharField(
        max_length=300, allow_blank=True, required=False, help_text="What changed."
    )
    archived = serializers.BooleanField(
        required=False, help_text="Archived: no longer offered when declaring."
    )


class PlaybookApplySerializer(InputSerializer):
    playbook = serializers.PrimaryKeyRelatedField(
        queryset=Playbook.objects.all(), help_text="Its current version is applied."
    )


class PlaybookAppliedSerializer(serializers.Serializer):
    playbook = serializers.IntegerField(source="version.playbook_id")
    version = serializers.IntegerField(source="version.number")
    applied_at = DateTimeField()
    added = ChecklistItemSerializer(many=True)
