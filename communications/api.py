"""REST endpoints of communications under /api/v1/: accounts, messages with their approval
actions, and the communications log. The same services as the pages decide."""

from typing import Any

from django.db.models import F, Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from communications.accounts.rotation import with_rotation_due
from communications.messaging.gate import approval_count
from communications.messaging.preflight import preflight
from communications.messaging.services import (
    approvals,
    messages,
    pages,
    pauses,
    statements,
    wording,
)
from communications.messaging.services.playbooks import playbook_write
from communications.messaging.subscribers import subscriber_counts
from communications.messaging.text import unfilled_placeholders, weighted_length
from config.people import person_require_signed_in
from config.permissions import (
    APPROVE_MESSAGE,
    DRAFT_MESSAGE,
    MANAGE_PLAYBOOKS,
    MANAGE_STATEMENT_PAGE,
    MANAGE_TEMPLATES,
    MANAGE_WORDING,
    PAUSE_PUBLISHING,
    RECORD_STAKEHOLDER_UPDATE,
)
from config.rest import PERMISSIONS
from config.viewsets import AnswersFresh
from teams.models import Playbook, PlaybookVersion
from teams.stakeholders import api as stakeholders_api
from teams.stakeholders.serializers import StaffBriefingCreateSerializer

from . import selectors
from .filters import LogFilter, MessageFilter, PauseFilter, WordingRuleFilter
from .models import (
    Message,
    PublishingPause,
    SocialAccount,
    StatementPage,
    Template,
    WordingRule,
)
from .serializers import (
    AccountSerializer,
    DecisionSerializer,
    GateSerializer,
    MessageCreateSerializer,
    MessageSerializer,
    MessageWriteSerializer,
    PauseCreateSerializer,
    PauseResumeSerializer,
    PlaybookSerializer,
    PlaybookVersionSerializer,
    PlaybookWriteSerializer,
    PreflightSerializer,
    PublishingPauseSerializer,
    RefusalSerializer,
    RenderedSerializer,
    StatementPagePreparedSerializer,
    StatementPageSerializer,
    StatementPageSwitchOnSerializer,
    SubmitSerializer,
    SubscriberCountsSerializer,
    TemplateRenderSerializer,
    TemplateSerializer,
    TemplateWriteSerializer,
    WithdrawSerializer,
    WordingRuleChangeSerializer,
    WordingRuleRetireSerializer,
    WordingRuleSerializer,
    WordingRuleWriteSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="Social accounts (never their credentials)"),
    retrieve=extend_schema(summary="One social account"),
)
class AccountViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AccountSerializer
    permission_classes = PERMISSIONS
    filterset_class = None
    queryset = with_rotation_due(SocialAccount.objects.order_by("handle"))


ACTION = {200: MessageSerializer}


@extend_schema_view(
    list=extend_schema(summary="Outgoing messages"),
    retrieve=extend_schema(summary="One message with its approvals"),
)
class MessageViewSet(
    AnswersFresh, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = MessageSerializer
    permission_classes = PERMISSIONS
    filterset_class = MessageFilter
    lookup_value_regex = r"\d+"
    action_permissions = {
        ("create", "POST"): DRAFT_MESSAGE,
        ("partial_update", "PATCH"): DRAFT_MESSAGE,
        ("submit", "POST"): DRAFT_MESSAGE,
        ("approve", "POST"): APPROVE_MESSAGE,
        ("reject", "POST"): APPROVE_MESSAGE,
        ("request_changes", "POST"): APPROVE_MESSAGE,
        ("mark_sent", "POST"): RECORD_STAKEHOLDER_UPDATE,
    }

    def get_queryset(self) -> QuerySet[Message]:
        return selectors.messages(user=self.request.user)

    @extend_schema(
        summary="Draft a message (and submit it with submit=true)",
        request=MessageCreateSerializer,
        responses={201: MessageSerializer},
    )
    def create(self, request: Request) -> Response:
        data = MessageCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message, _submitted = messages.message_save(
            actor=person_require_signed_in(request.user), **data.validated_data
        )
        return self._fresh(message, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a message (only the fields sent): once submitted, any change voids "
        "its approvals",
        request=MessageWriteSerializer,
        responses=ACTION,
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        data = MessageWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        message = messages.message_update(
            actor=person_require_signed_in(request.user),
            message=self.get_object(),
            **data.validated_data,
        )
        return self._fresh(message)

    @extend_schema(
        summary="Whether it may go out now: the last gate's answer, and its approvals",
        description="The same rule publishing asks inside the transaction that sends each "
        "post (the incident may still speak, drills kept apart, the account switched on, "
        "nothing left to fill in, no pause, the content as submitted, enough approvals that "
        "count now). For a draft, only what its text and place decide. For a message already "
        "out or withdrawn, may_go_out is false and stop null.",
        responses={200: GateSerializer},
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def gate(self, request: Request, pk: str) -> Response:
        message = self.get_object()
        refusal = selectors.message_gate(message=message)
        count = approval_count(message)
        done = message.status in (Message.Status.PUBLISHED, Message.Status.WITHDRAWN)
        return Response(
            GateSerializer(
                {
                    "may_go_out": refusal is None and not done,
                    "stop": refusal.stop if refusal else None,
                    "reason": refusal.text if refusal else "",
                    "approvals": {
                        "needed": count.needed,
                        "counted": count.counted,
                        "missing": count.missing,
                        "stuck": count.stuck,
                        "can_approve": count.can_approve,
                        "lapsed": [
                            {"approver": approval.approver, "why": why}
                            for approval, why in count.lapsed
                        ],
                        "outlook": count.outlook,
                    },
                }
            ).data
        )

    @extend_schema(
        summary="Pre-flight checks: what is wrong with its words, the offending words located",
        description="The list its writer sees before submitting and its approver beside it. "
        "Blocking (placeholder, never_say, target_gone): submit, approve and publish refuse "
        "it. Warnings (tone, link, language, unverified_claim): the approver approves "
        "knowingly. Spans locate the words: part 0 is the body, 1 on the thread's further "
        "posts.",
        responses={200: PreflightSerializer},
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def preflight(self, request: Request, pk: str) -> Response:
        findings = preflight(self.get_object())
        return Response(
            PreflightSerializer(
                {"blocking": any(f.blocking for f in findings), "findings": findings}
            ).data
        )

    @extend_schema(summary="Submit for approval", request=SubmitSerializer, responses=ACTION)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        data = SubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._fresh(
            messages.message_submit(
                actor=person_require_signed_in(request.user),
                message=self.get_object(),
                reply_anyway=data.validated_data["reply_anyway"],
            )
        )

    @extend_schema(
        summary="Approve (never one's own)", request=DecisionSerializer, responses=ACTION
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = approvals.message_approve(
            actor=person_require_signed_in(request.user),
            message=self.get_object(),
            **data.validated_data,
        )
        return self._fresh(message)

    @extend_schema(summary="Reject, with a comment", request=RefusalSerializer, responses=ACTION)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        data = RefusalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = approvals.message_reject(
            actor=person_require_signed_in(request.user),
            message=self.get_object(),
            **data.validated_data,
        )
        return self._fresh(message)

    @extend_schema(
        summary="Send back for changes, with a comment", request=RefusalSerializer, responses=ACTION
    )
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request: Request, pk: str) -> Response:
        data = RefusalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = approvals.message_request_changes(
            actor=person_require_signed_in(request.user),
            message=self.get_object(),
            **data.validated_data,
        )
        return self._fresh(message)

    @extend_schema(summary="Withdraw", request=WithdrawSerializer, responses=ACTION)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        data = WithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = messages.message_withdraw(
            actor=person_require_signed_in(request.user),
            message=self.get_object(),
            **data.validated_data,
        )
        return self._fresh(message)

    @extend_schema(
        summary="An approved stakeholder update was sent: record it (ticks the plan's item)",
        request=None,
        responses=ACTION,
    )
    @action(detail=True, methods=["post"], url_path="mark-sent")
    def mark_sent(self, request: Request, pk: str) -> Response:
        message = messages.message_mark_sent(
            actor=person_require_signed_in(request.user), message=self.get_object()
        )
        return self._fresh(message)

    @extend_schema(summary="Try a failed message again", request=None, responses=ACTION)
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str) -> Response:
        return self._fresh(
            messages.message_retry(
                actor=person_require_signed_in(request.user), message=self.get_object()
            )
        )


@extend_schema_view(
    list=extend_schema(
        summary="The communications log: approved, published, failed and withdrawn messages"
    ),
    retrieve=extend_schema(summary="One logged message with its approvals"),
)
class LogViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MessageSerializer
    permission_classes = PERMISSIONS
    filterset_class = LogFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Message]:
        return selectors.message_log(user=self.request.user)


@extend_schema_view(
    list=extend_schema(summary="Templates: holding statements and replies"),
    retrieve=extend_schema(summary="One template"),
)
class TemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TemplateSerializer
    permission_classes = PERMISSIONS
    filterset_fields = ["kind", "language"]
    lookup_value_regex = r"\d+"
    action_permissions = {
        ("create", "POST"): MANAGE_TEMPLATES,
        ("partial_update", "PATCH"): MANAGE_TEMPLATES,
        ("approve", "POST"): APPROVE_MESSAGE,
    }

    def get_queryset(self) -> QuerySet[Template]:
        return Template.objects.select_related("approved_by", "created_by").order_by(
            "kind", "language", "name"
        )

    @extend_schema(
        summary="Write a template",
        request=TemplateWriteSerializer,
        responses={201: TemplateSerializer},
    )
    def create(self, request: Request) -> Response:
        data = TemplateWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        template = statements.template_save(
            actor=person_require_signed_in(request.user), **data.validated_data
        )
        return Response(self.get_serializer(template).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a template (only the fields sent; a new text needs a new approval)",
        request=TemplateWriteSerializer,
        responses={200: TemplateSerializer},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        data = TemplateWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        template = statements.template_save(
            actor=person_require_signed_in(request.user),
            template=self.get_object(),
            **data.validated_data,
        )
        return Response(self.get_serializer(template).data)

    @extend_schema(
        summary="Approve a template (not by whoever wrote it)",
        request=None,
        responses={200: TemplateSerializer},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        template = statements.template_approve(
            actor=person_require_signed_in(request.user), template=self.get_object()
        )
        return Response(self.get_serializer(template).data)

    @extend_schema(
        summary="The template's text with its placeholders filled for an incident",
        request=TemplateRenderSerializer,
        responses={200: RenderedSerializer},
    )
    @action(detail=True, methods=["post"])
    def render(self, request: Request, pk: str) -> Response:
        data = TemplateRenderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        text = statements.template_render(
            template=self.get_object(),
            author=str(request.user),
            **data.validated_data,
        )
        length = weighted_length(text)
        return Response(
            {
                "text": text,
                "length": length.weighted,
                "valid": length.valid,
                "unfilled": unfilled_placeholders(text),
            }
        )


class StaffBriefingViewSet(stakeholders_api.StaffBriefingViewSet):
    """/api/v1/incidents/{id}/briefings/: the briefings that went out, and writing one, which
    is an outgoing message: it reaches the staff once someone who may approve has approved it
    (there is no other way to brief all staff)."""

    action_permissions = {("create", "POST"): DRAFT_MESSAGE}

    @extend_schema(
        summary="Write a staff briefing and submit it for approval",
        description="Everyone (or the chosen departments) is notified once the briefing is "
        "approved; the answer is the message waiting for approval.",
        request=StaffBriefingCreateSerializer,
        responses={202: MessageSerializer},
    )
    def create(self, request: Request, incident_pk: str) -> Response:
        incident = self.get_incident()
        data = StaffBriefingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message, _submitted = messages.message_save(
            actor=person_require_signed_in(request.user),
            incident=incident,
            account=None,
            kind=Message.Kind.STAFF_BRIEFING,
            body=data.validated_data["text"],
            briefing_departments=data.validated_data["departments"],
            submit=True,
        )
        fresh = selectors.messages(user=request.user).get(pk=message.pk)
        return Response(MessageSerializer(fresh).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(summary="Publishing pauses (the stop switch), the ones in force first"),
    retrieve=extend_schema(summary="One publishing pause"),
)
class PublishingPauseViewSet(
    AnswersFresh, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = PublishingPauseSerializer
    permission_classes = PERMISSIONS
    filterset_class = PauseFilter
    lookup_value_regex = r"\d+"
    action_permissions = {
        ("create", "POST"): PAUSE_PUBLISHING,
        ("resume", "POST"): PAUSE_PUBLISHING,
    }

    def get_queryset(self) -> QuerySet[PublishingPause]:
        queryset = PublishingPause.objects.select_related("account", "paused_by", "resumed_by")
        return queryset.order_by(F("resumed_at").desc(nulls_first=True), "-paused_at", "-id")

    @extend_schema(
        summary="Pause publishing on one account, or on all (managers)",
        description="Nothing is posted there until resumed: approved and scheduled messages "
        "wait, a publishing task already queued stops before calling X, mentions are not "
        "polled, and every open incident concerned gets a timeline line. 409 when that scope "
        "is already paused.",
        request=PauseCreateSerializer,
        responses={201: PublishingPauseSerializer},
    )
    def create(self, request: Request) -> Response:
        data = PauseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pause = pauses.publishing_pause(
            actor=person_require_signed_in(request.user), **data.validated_data
        )
        return self._fresh(pause, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Messages waiting on the pause (what a resume may release)",
        responses={200: MessageSerializer(many=True)},
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def waiting(self, request: Request, pk: str) -> Response:
        pause = self.get_object()
        ids = list(pauses.waiting_messages(pause).values_list("pk", flat=True))
        found = selectors.messages(user=request.user).filter(pk__in=ids)
        return Response(MessageSerializer(found, many=True).data)

    @extend_schema(
        summary="Resume publishing, releasing only the messages named (managers)",
        description="Every waiting message not in release goes back to draft with its "
        "approvals voided. 409 once the pause has ended; 400 naming an id that is not waiting.",
        request=PauseResumeSerializer,
        responses={200: PublishingPauseSerializer},
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def resume(self, request: Request, pk: str) -> Response:
        pause = self.get_object()
        data = PauseResumeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pause = pauses.publishing_resume(
            actor=person_require_signed_in(request.user), pause=pause, **data.validated_data
        )
        return self._fresh(pause)


@extend_schema_view(
    list=extend_schema(summary="Playbooks, each with its current version"),
    retrieve=extend_schema(summary="One playbook with its current version"),
)
class PlaybookViewSet(
    AnswersFresh, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = PlaybookSerializer
    permission_classes = PERMISSIONS
    lookup_value_regex = r"\d+"
    action_permissions = {
        ("create", "POST"): MANAGE_PLAYBOOKS,
        ("partial_update", "PATCH"): MANAGE_PLAYBOOKS,
    }

    def get_queryset(self) -> QuerySet[Playbook]:
        return Playbook.objects.prefetch_related(
            Prefetch(
                "versions",
                queryset=PlaybookVersion.objects.select_related("created_by").prefetch_related(
                    "roles", "stakeholders__group", "templates"
                ),
            )
        ).order_by("name")

    @extend_schema(
        summary="Write a playbook (managers): its version 1",
        description="Templates must be approved. 400 naming the field that is refused.",
        request=PlaybookWriteSerializer,
        responses={201: PlaybookSerializer},
    )
    def create(self, request: Request) -> Response:
        data = PlaybookWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = playbook_write(
            actor=person_require_signed_in(request.user), **data.validated_data
        )
        return self._fresh(version.playbook, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Write a playbook's next version (managers; only the fields sent change)",
        description="Anything changed writes version n + 1; incidents that used version n "
        "keep it. Nothing changed: no version is written. archived archives or restores.",
        request=PlaybookWriteSerializer,
        responses={200: PlaybookSerializer},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        playbook = self.get_object()
        data = PlaybookWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        playbook_write(
            actor=person_require_signed_in(request.user), playbook=playbook, **data.validated_data
        )
        return self._fresh(playbook)

    @extend_schema(
        summary="Every version of a playbook, the newest first",
        responses={200: PlaybookVersionSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request: Request, pk: str) -> Response:
        playbook = self.get_object()
        versions = sorted(playbook.versions.all(), key=lambda v: -v.number)
        return Response(PlaybookVersionSerializer(versions, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="The wording rules, retired ones too (?is_active=true: in force)"),
    retrieve=extend_schema(summary="One wording rule"),
)
class WordingRuleViewSet(
    AnswersFresh, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = WordingRuleSerializer
    permission_classes = PERMISSIONS
    filterset_class = WordingRuleFilter
    lookup_value_regex = r"\d+"
    action_permissions = {
        ("create", "POST"): MANAGE_WORDING,
        ("partial_update", "PATCH"): MANAGE_WORDING,
        ("retire", "POST"): MANAGE_WORDING,
    }

    def get_queryset(self) -> QuerySet[WordingRule]:
        return WordingRule.objects.select_related("created_by").order_by("kind", "name")

    @extend_schema(
        summary="Add a wording rule (managers)",
        description="Refused (400, naming the field) when the rule does not flag each of "
        "examples_flagged, or flags one of examples_passed.",
        request=WordingRuleWriteSerializer,
        responses={201: WordingRuleSerializer},
    )
    def create(self, request: Request) -> Response:
        data = WordingRuleWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rule = wording.rule_save(
            actor=person_require_signed_in(request.user), **data.validated_data
        )
        return self._fresh(rule, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a wording rule (managers; only the fields sent, with change_reason)",
        request=WordingRuleWriteSerializer,
        responses={200: WordingRuleSerializer},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        data = WordingRuleWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        rule = wording.rule_save(
            actor=person_require_signed_in(request.user),
            rule=self.get_object(),
            change_reason=fields.pop("change_reason", ""),
            **fields,
        )
        return self._fresh(rule)

    @extend_schema(
        summary="Retire a wording rule, or put it back in force (managers, with why)",
        request=WordingRuleRetireSerializer,
        responses={200: WordingRuleSerializer},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def retire(self, request: Request, pk: str) -> Response:
        data = WordingRuleRetireSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rule = wording.rule_retire(
            actor=person_require_signed_in(request.user),
            rule=self.get_object(),
            reason=data.validated_data["change_reason"],
            in_force=data.validated_data["in_force"],
        )
        return self._fresh(rule)

    @extend_schema(
        summary="A wording rule's history, the latest first",
        responses={200: WordingRuleChangeSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def changes(self, request: Request, pk: str) -> Response:
        rule = self.get_object()
        return Response(
            WordingRuleChangeSerializer(rule.changes.select_related("actor"), many=True).data
        )


@extend_schema_view(
    list=extend_schema(summary="Incidents on the public statement page, and in its archive"),
    retrieve=extend_schema(summary="One incident's statement page"),
)
class StatementPageViewSet(
    AnswersFresh, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = StatementPageSerializer
    permission_classes = PERMISSIONS
    filterset_class = None
    lookup_value_regex = r"\d+"
    action_permissions = {
        ("create", "POST"): MANAGE_STATEMENT_PAGE,
        ("switch_off", "POST"): MANAGE_STATEMENT_PAGE,
        ("switch_on_prepared", "POST"): MANAGE_STATEMENT_PAGE,
        ("subscribers", "GET"): MANAGE_STATEMENT_PAGE,
    }

    def get_queryset(self) -> QuerySet[StatementPage]:
        return StatementPage.objects.select_related(
            "incident", "switched_on_by", "switched_off_by"
        ).order_by("-is_live", "-switched_on_at", "-id")

    @extend_schema(
        summary="Put an incident on the statement page (or change its headline; managers)",
        description="What the page then says is the incident's approved page updates "
        "(messages of kind page_update). A closed or declined incident is not put on it again "
        "(409); a drill's page is never public.",
        request=StatementPageSwitchOnSerializer,
        responses={201: StatementPageSerializer},
    )
    def create(self, request: Request) -> Response:
        data = StatementPageSwitchOnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        page = pages.page_switch_on(
            actor=person_require_signed_in(request.user), **data.validated_data
        )
        return self._fresh(page, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Switch on the prepared page the incident's playbook offers (managers)",
        description="The dark site: the prepared page (templates of kind page, approved in "
        "advance, one per language) goes up with the incident's facts filled in ({reference}, "
        "{next_update}): its headline, opening statement and questions and answers. It counts "
        "as the first public statement. Refused (409) when none is offered and approved, when "
        "the incident is already on the page or over, or when a never-say rule flags it.",
        request=StatementPagePreparedSerializer,
        responses={201: StatementPageSerializer},
    )
    @action(detail=False, methods=["post"], url_path="switch-on-prepared")
    def switch_on_prepared(self, request: Request) -> Response:
        data = StatementPagePreparedSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        page = pages.page_switch_on_prepared(
            actor=person_require_signed_in(request.user), **data.validated_data
        )
        return self._fresh(page, status.HTTP_201_CREATED)

    @extend_schema(
        summary="How many people follow the page by email (managers): counts, never addresses",
        request=None,
        responses={200: SubscriberCountsSerializer},
    )
    @action(detail=False, methods=["get"])
    def subscribers(self, request: Request) -> Response:
        return Response(SubscriberCountsSerializer(subscriber_counts()).data)

    @extend_schema(
        summary="Take an incident off the page (managers): it stays in the page's archive",
        request=None,
        responses={200: StatementPageSerializer},
    )
    @action(detail=True, methods=["post"], url_path="switch-off")
    def switch_off(self, request: Request, pk: str) -> Response:
        page = self.get_object()
        pages.page_switch_off(actor=person_require_signed_in(request.user), incident=page.incident)
        return self._fresh(page)


def register(router: Any) -> None:
    router.register(
        r"incidents/(?P<incident_pk>\d+)/briefings",
        StaffBriefingViewSet,
        basename="staff-briefing",
    )
    router.register("accounts", AccountViewSet, basename="account")
    router.register("messages", MessageViewSet, basename="message")
    router.register("log", LogViewSet, basename="log")
    router.register("templates", TemplateViewSet, basename="template")
    router.register("publishing-pauses", PublishingPauseViewSet, basename="publishing-pause")
    router.register("playbooks", PlaybookViewSet, basename="playbook")
    router.register("wording-rules", WordingRuleViewSet, basename="wording-rule")
    router.register("statement-pages", StatementPageViewSet, basename="statement-page")
