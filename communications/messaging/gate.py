"""The rules of communications, each stated once: who may edit, submit, decide on, withdraw,
retry or mark sent a message; which approvals count; how many are needed; who may approve a
template.

A rule that refuses answers with the refusal itself (None: allowed). The services raise it;
the pages and the API show or hide their controls by asking the same function, so a button is
never offered that the service then refuses.
"""

from dataclasses import dataclass
from datetime import UTC
from enum import StrEnum
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from communications.accounts.models import PublishingPause
from communications.accounts.pauses import pause_covering
from communications.listening.drill_line import drill_line_crossed
from communications.messaging.lifecycle import can_move
from communications.messaging.models import Approval, Message, StatementPage, Template
from communications.messaging.preflight import Check, blocking
from communications.messaging.text import text_hash
from config.errors import ApplicationError, Conflict, NotPermitted
from config.languages import lowered
from config.people import User
from config.permissions import (
    APPROVE_MESSAGE,
    DRAFT_MESSAGE,
    RECORD_STAKEHOLDER_UPDATE,
    holds,
    require,
)
from incidents.models import Incident
from teams.models import Role
from teams.schedule.policies import approvals_required
from teams.selectors import holders, role_holders

S = Message.Status


def _refusal(check: Any) -> ApplicationError | None:
    """Run a check that raises; return what it raised."""
    try:
        check()
    except ApplicationError as exc:
        return exc
    return None


# --- what an approval binds to, and which approvals count -----------------------------------


def approvals_required_for(incident: Incident) -> int:
    """How many distinct approvers a message of this incident needs: its response policy's
    number (the copy it runs on, re-copied when its severity changes)."""
    return approvals_required(incident)


def approvals_needed(message: Message) -> int:
    """What a submitted message needs: the most its incident has asked for since it was
    submitted (a severity lowered and raised again cannot lower the bar)."""
    return max(message.approvals_required, approvals_required_for(message.incident))


def _message_fields(
    message: Message, parts: list[str], departments: list[int], claims: list[int]
) -> dict[str, Any]:
    """Everything that decides what goes out, where and when: an approval covers exactly
    this."""
    fields: dict[str, Any] = {
        "kind": message.kind,
        "account": message.account_id,
        "body": message.body,
        "reply_to_mention": message.reply_to_mention_id,
        "reply_to_post_id": message.reply_to_post_id,
        "quote_post_id": message.quote_post_id,
        "parts": parts,
        "scheduled_at": message.scheduled_at.astimezone(UTC).isoformat()
        if message.scheduled_at
        else None,
        "corrects": message.corrects_id,
        "cited_claims": claims,
    }
    if message.kind == Message.Kind.PAGE_UPDATE:
        fields["language"] = message.language  # which page it goes on
    if message.is_internal:
        fields["audience"] = {
            "group": message.stakeholder_group_id,
            "channel": message.stakeholder_channel,
            "departments": departments,
        }
    return fields


def message_hash(message: Message) -> str:
    """The hash approvals bind to: the text (all thread parts), where it goes, when, what it
    corrects and the claims it cites."""
    parts = list(message.parts.order_by("position").values_list("body", flat=True))
    departments = (
        sorted(message.briefing_departments.values_list("pk", flat=True))
        if message.pk and message.is_internal
        else []
    )
    claims = sorted(message.cited_claims.values_list("pk", flat=True)) if message.pk else []
    return text_hash(_message_fields(message, parts, departments, claims))


def writers(message: Message) -> set[int]:
    """Who wrote the text: its author and whoever last changed it. Neither may approve it."""
    return {pk for pk in (message.author_id, message.edited_by_id) if pk}


def people_who_may_approve() -> QuerySet[User]:
    """Everyone who may approve outgoing messages now (active, holding the permission). An
    approval counts only while its approver is one of them."""
    return holders(APPROVE_MESSAGE)


def counting_approval(*, approval: str = "", message: str = "message__") -> Q:
    """The rule of an approval that counts: an approval, not voided, on the message's current
    text, by someone who did not write it and who may still approve (active, holding the
    permission). ``approval`` and ``message`` are the lookup paths from the model queried
    (Approval by default; for Message: "approvals__" and "")."""
    a, m = approval, message
    return (
        Q(
            **{
                f"{a}decision": Approval.Decision.APPROVED,
                f"{a}voided_at__isnull": True,
                f"{a}text_hash": F(f"{m}text_hash"),
                f"{a}approver__in": people_who_may_approve().values("pk"),
            }
        )
        & ~Q(**{f"{a}approver": F(f"{m}author")})
        & (Q(**{f"{m}edited_by__isnull": True}) | ~Q(**{f"{a}approver": F(f"{m}edited_by")}))
    )


def valid_approvals(message: Message) -> list[Approval]:
    """The message's approvals that count (see counting_approval)."""
    return list(message.approvals.filter(counting_approval()).select_related("approver"))


def _lapse(approval: Approval, message: Message) -> str:
    """Why an approval of the submitted text no longer counts."""
    approver = approval.approver
    if approver.pk in writers(message):
        return _("%(person)s changed the text since") % {"person": approver}
    if not approver.is_active:
        return _("%(person)s can no longer sign in") % {"person": approver}
    return _("%(person)s may no longer approve") % {"person": approver}


@dataclass(frozen=True)
class ApprovalCount:
    """Where a message stands with its approvals now: how many it needs (the highest bar it
    has been under), those that count, those on its text that no longer count (and why), and
    who can still give the rest."""

    needed: int
    counting: list[Approval]
    lapsed: list[tuple[Approval, str]]
    can_approve: list[Any]

    @property
    def counted(self) -> int:
        return len(self.counting)

    @property
    def missing(self) -> int:
        return max(self.needed - self.counted, 0)

    @property
    def enough(self) -> bool:
        return self.missing == 0

    @property
    def stuck(self) -> bool:
        """Fewer people can still approve it than it needs: it can never go out as it is."""
        return len(self.can_approve) < self.missing

    @property
    def outlook(self) -> str:
        """Who can still give the approvals it lacks, in one sentence."""
        if not self.missing:
            return _("it has the approvals it needs.")
        values = {
            "missing": self.missing,
            "names": ", ".join(str(person) for person in self.can_approve),
        }
        if not self.can_approve:
            return (
                ngettext(
                    "it needs %(missing)d more approval and nobody left can give it: an admin "
                    "must let someone else approve.",
                    "it needs %(missing)d more approvals and nobody left can give them: an "
                    "admin must let someone else approve.",
                    self.missing,
                )
                % values
            )
        if self.stuck:
            return (
                ngettext(
                    "it needs %(missing)d more approval and only %(names)s can still give one: "
                    "an admin must let someone else approve.",
                    "it needs %(missing)d more approvals and only %(names)s can still give "
                    "one: an admin must let someone else approve.",
                    self.missing,
                )
                % values
            )
        return (
            ngettext(
                "it needs %(missing)d more approval; %(names)s can give it.",
                "it needs %(missing)d more approvals; %(names)s can give them.",
                self.missing,
            )
            % values
        )


def approval_count(message: Message) -> ApprovalCount:
    """How the message's approvals stand now (see ApprovalCount): what the gate, the message
    page, the API and the submit all say."""
    counting = valid_approvals(message)
    counted_ids = {a.pk for a in counting}
    lapsed = [
        (approval, _lapse(approval, message))
        for approval in message.approvals.filter(
            decision=Approval.Decision.APPROVED,
            voided_at__isnull=True,
            text_hash=message.text_hash,
        ).select_related("approver")
        if approval.pk not in counted_ids
    ]
    excluded = writers(message) | {a.approver_id for a in counting}
    can_approve = list(
        people_who_may_approve()
        .exclude(pk__in=excluded)
        .order_by("first_name", "last_name", "username")
    )
    return ApprovalCount(
        needed=approvals_needed(message),
        counting=counting,
        lapsed=lapsed,
        can_approve=can_approve,
    )


def approvers_to_notify(message: Message) -> list[User]:
    """Who is asked to approve: the incident's approvers, else whoever is on call as approver,
    else everyone who may approve; never one of the message's writers."""
    people = role_holders(role=Role.APPROVER, incident=message.incident)
    if not people:
        people = list(people_who_may_approve())
    return [p for p in people if p.pk not in writers(message) and holds(p, APPROVE_MESSAGE)]


# --- the last gate --------------------------------------------------------------------------


class Stop(StrEnum):
    """Why the gate refused; each decides where the message goes
    (communications.messaging.publishing)."""

    INCIDENT_OVER = "incident_over"
    DRILL = "drill"
    ACCOUNT_OFF = "account_off"
    PAGE_OFF = "page_off"
    UNFILLED = "unfilled"
    NEVER_SAY = "never_say"
    TARGET_GONE = "target_gone"
    PAUSED = "paused"
    CHANGED = "changed"
    APPROVALS = "approvals"


# What a message must be able to say before it is even submitted or approved.
CONTENT_STOPS = (
    Stop.INCIDENT_OVER,
    Stop.DRILL,
    Stop.ACCOUNT_OFF,
    Stop.PAGE_OFF,
    Stop.UNFILLED,
    Stop.NEVER_SAY,
    Stop.TARGET_GONE,
)
# The pre-flight check that blocks, and the stop it is at the gate.
BLOCKING_STOPS = {
    Check.PLACEHOLDER: Stop.UNFILLED,
    Check.NEVER_SAY: Stop.NEVER_SAY,
    Check.TARGET_GONE: Stop.TARGET_GONE,
}


@dataclass(frozen=True)
class Refusal:
    """The gate's no: why, in one sentence, and what it found."""

    stop: Stop
    text: str
    pause: PublishingPause | None = None
    approvals: ApprovalCount | None = None


def _content_refusal(message: Message) -> Refusal | None:
    incident = message.incident
    if not incident.is_editable:
        return Refusal(
            Stop.INCIDENT_OVER,
            _("%(reference)s is %(status)s: it may no longer speak.")
            % {"reference": incident.reference, "status": _status_of(incident)},
        )
    crossed = drill_line_crossed(
        incident=incident, account=message.account, mention=message.reply_to_mention
    )
    if crossed:
        return Refusal(Stop.DRILL, crossed)
    if message.account is not None and not message.account.is_active:
        return Refusal(
            Stop.ACCOUNT_OFF,
            _("%(account)s is switched off: nothing goes out from it.")
            % {"account": message.account},
        )
    if message.kind == Message.Kind.PAGE_UPDATE and not page_is_live(message.incident_id):
        return Refusal(
            Stop.PAGE_OFF,
            _("%(reference)s is not on the statement page: a manager switches it on first.")
            % {"reference": incident.reference},
        )
    return _blocking_refusal(message)


def _blocking_refusal(message: Message) -> Refusal | None:
    """The first pre-flight check that blocks the message, whatever its approvals."""
    for finding in blocking(message):
        return Refusal(BLOCKING_STOPS[finding.check], finding.text)
    return None


def _approved_refusal(message: Message) -> Refusal | None:
    """The content is the one submitted (its hash) and enough approvals of it count now."""
    if not message.text_hash or message.text_hash != message_hash(message):
        return Refusal(
            Stop.CHANGED,
            _("Its content changed after it was submitted: what was approved is not what is here."),
        )
    count = approval_count(message)
    if not count.enough:
        return Refusal(Stop.APPROVALS, _approvals_text(count), approvals=count)
    return None


def page_is_live(incident_id: int) -> bool:
    """Whether the incident is on the statement page now (its updates may go there)."""
    return StatementPage.objects.filter(incident_id=incident_id, is_live=True).exists()


def _status_of(incident: Incident) -> str:
    return lowered(incident.get_status_display())


def _approvals_text(count: ApprovalCount) -> str:
    text = _("It needs %(needed)d approvals now and %(counted)d count.") % {
        "needed": count.needed,
        "counted": count.counted,
    }
    if count.lapsed:
        text += " " + _("No longer counting: %(why)s.") % {
            "why": "; ".join(why for _approval, why in count.lapsed)
        }
    return text


def publish_refusal(message: Message, *, content_only: bool = False) -> Refusal | None:
    """The last gate: may this message (the next of its posts) go out now? None: yes.

    Publishing asks inside the transaction that claims the message and again, under the row
    lock, just before each post; the briefing is sent in the transaction that asked. The
    submit, the approval, a retry and the pages ask it early, for a friendly word
    (``content_only``: what the text and its place decide, before any approval). In order:

    1. the incident may still speak (not declined or closed);
    2. a drill stays a drill and reality stays real (communications.listening.drill_line);
    3. the account is switched on (a statement page update: the incident is on the page);
    4. the pre-flight checks that block find nothing (communications.messaging.preflight): no
       ``{placeholder}`` left in any post, no word on the brand's never-say list, no reply to a
       post gone from X;
    5. no pause holds the account (communications.accounts.pauses);
    6. the content is the one submitted: text, target, time, claims (its hash);
    7. enough approvals count now: each approver still active, still allowed to approve, not
       a writer, on this exact content; as many as the highest bar the message has been under.
    """
    refusal = _content_refusal(message)
    if refusal is not None or content_only:
        return refusal
    pause = pause_covering(message.account_id)
    if pause is not None:
        return Refusal(
            Stop.PAUSED,
            _("Publishing is paused on %(where)s by %(who)s.")
            % {"where": pause.where, "who": pause.paused_by},
            pause=pause,
        )
    return _approved_refusal(message)


# --- who may do what to a message -----------------------------------------------------------


def _status(message: Message) -> str:
    return lowered(message.get_status_display())


def has_gone_out(message: Message) -> bool:
    """Whether any post of the message is on X (a thread interrupted half-way, say)."""
    return bool(message.external_id) or message.parts.exclude(external_id="").exists()


def refusal_to_edit(user: User, message: Message) -> ApplicationError | None:
    """Editing (an edit after submission voids the approvals): the author, or an approver,
    while the message can still return to draft and nothing of it is on X yet."""

    def check() -> None:
        require(user, DRAFT_MESSAGE)
        if user.pk != message.author_id and not holds(user, APPROVE_MESSAGE):
            raise NotPermitted(_("Only the author or an approver may edit this message."))
        if message.status != S.DRAFT and not can_move(message.status, S.DRAFT):
            raise Conflict(
                _("A message that is %(status)s can no longer be edited.")
                % {"status": _status(message)}
            )
        if has_gone_out(message):
            raise Conflict(
                _(
                    "Part of this message is already on X: its text can no longer change. Say "
                    "what changed in a correction."
                )
            )

    return _refusal(check)


def refusal_to_submit(user: User, message: Message) -> ApplicationError | None:
    """Asking for approval: the author (or an approver), from draft or after a refusal, while
    the incident is still open."""

    def check() -> None:
        require(user, DRAFT_MESSAGE)
        if user.pk != message.author_id and not holds(user, APPROVE_MESSAGE):
            raise NotPermitted(_("Only the author submits their message."))
        if not can_move(message.status, S.PENDING_APPROVAL):
            raise ApplicationError(
                _("A message that is %(status)s cannot be submitted.")
                % {"status": _status(message)}
            )
        refusal = publish_refusal(message, content_only=True)
        if refusal is not None:
            raise ApplicationError(refusal.text, field="body")

    return _refusal(check)


# A reply that still stands (drafted, waiting, approved, out, failed and retriable): a colleague
# opening the composer for the same mention is warned about each.
REPLY_SET_ASIDE = (S.WITHDRAWN, S.REJECTED)
# A reply on its way out or out: another one to the same mention needs "reply anyway".
REPLY_UNDER_WAY = (S.PENDING_APPROVAL, S.APPROVED, S.PUBLISHING, S.PUBLISHED)


def other_replies(*, mention_id: int, besides: Message | None = None) -> QuerySet[Message]:
    """The other replies to one mention that still stand, oldest first, with their authors."""
    replies = Message.objects.filter(reply_to_mention_id=mention_id).exclude(
        status__in=REPLY_SET_ASIDE
    )
    if besides is not None and besides.pk is not None:
        replies = replies.exclude(pk=besides.pk)
    return replies.select_related("author").order_by("created_at", "id")


def refusal_to_reply_again(message: Message, *, reply_anyway: bool) -> ApplicationError | None:
    """Submitting a reply to a mention that already has another reply waiting for approval,
    approved or out: only with the writer's explicit "reply anyway", so two people do not
    answer the same customer by accident. Asked by message_submit, the one way a reply goes
    for approval (composer, message page and API), under the mention's lock."""
    if message.reply_to_mention_id is None or reply_anyway:
        return None
    rival = (
        other_replies(mention_id=message.reply_to_mention_id, besides=message)
        .filter(status__in=REPLY_UNDER_WAY)
        .first()
    )
    if rival is None:
        return None
    return ApplicationError(
        _(
            "%(author)s's reply to this mention is already %(status)s: “%(text)s”. Tick "
            "“Reply anyway” to send a second one."
        )
        % {"author": rival.author.display_name, "status": _status(rival), "text": rival.body[:80]},
        field="reply_anyway",
    )


def refusal_to_decide(user: User, message: Message) -> ApplicationError | None:
    """Approving, rejecting or sending back: someone who may approve and did not write the
    text, while it waits for approval, on the text exactly as it was submitted."""

    def check() -> None:
        require(user, APPROVE_MESSAGE)
        if user.pk == message.author_id:
            raise NotPermitted(_("You wrote this message; someone else must approve it."))
        if user.pk == message.edited_by_id:
            raise NotPermitted(_("You changed this message's text; someone else must approve it."))
        if message.status != S.PENDING_APPROVAL:
            raise ApplicationError(
                _("This message is %(status)s, not waiting for approval.")
                % {"status": _status(message)}
            )
        if message.text_hash != message_hash(message):
            # Cannot happen through the services; refuse rather than approve a text no one saw.
            raise ApplicationError(_("The text changed since it was submitted; reload it."))

    return _refusal(check)


def refusal_to_approve(user: User, message: Message) -> ApplicationError | None:
    """Approving: deciding (refusal_to_decide) on a message that could go out as it is, once
    and for all as far as its text and place go (the gate's content clauses). Rejecting or
    sending it back stays open to say why."""
    refusal = refusal_to_decide(user, message)
    if refusal is not None:
        return refusal
    blocked = publish_refusal(message, content_only=True)
    if blocked is not None:
        return ApplicationError(blocked.text)
    return None


def _take_back_permission(user: User, message: Message) -> str:
    """Withdrawing and retrying: the author as someone who may draft, anyone else as an
    approver."""
    return DRAFT_MESSAGE if user.pk == message.author_id else APPROVE_MESSAGE


def refusal_to_withdraw(user: User, message: Message) -> ApplicationError | None:
    """Taking a message back before it goes out (or after it failed)."""

    def check() -> None:
        require(user, _take_back_permission(user, message))
        if not can_move(message.status, S.WITHDRAWN):
            raise ApplicationError(
                _("A message that is %(status)s cannot be withdrawn.")
                % {"status": _status(message)}
            )

    return _refusal(check)


def refusal_to_retry(user: User, message: Message) -> ApplicationError | None:
    """Trying a failed message again (its approvals must still hold: the service checks)."""

    def check() -> None:
        require(user, _take_back_permission(user, message))
        if message.status != S.FAILED:
            raise ApplicationError(_("Only a failed message can be tried again."))

    return _refusal(check)


def stakeholder_update_refusal(message: Message) -> Refusal | None:
    """The last gate of an approved stakeholder update, which a person sends outside Crisis
    Desk: asked when the page offers it for sending and when it is recorded as sent. Its words
    still pass the checks that block, its content is the one approved, and enough approvals
    still count (an approver switched off or no longer allowed to approve since). Not asked:
    whether the incident is open (an approved update may still be sent and recorded after it
    closes) or a pause (a pause stops what Crisis Desk posts, not a person's email)."""
    return _blocking_refusal(message) or _approved_refusal(message)


def refusal_to_mark_sent(user: User, message: Message) -> ApplicationError | None:
    """Recording that an approved stakeholder update was sent by a person: only while it may
    still be sent (stakeholder_update_refusal)."""

    def check() -> None:
        require(user, RECORD_STAKEHOLDER_UPDATE)
        if message.kind != Message.Kind.STAKEHOLDER_UPDATE or message.status != S.APPROVED:
            raise ApplicationError(_("Only an approved stakeholder update can be marked as sent."))
        if (refusal := stakeholder_update_refusal(message)) is not None:
            raise Conflict(
                _("Do not send it: %(why)s Edit it and submit it again.") % {"why": refusal.text}
            )

    return _refusal(check)


# --- templates ------------------------------------------------------------------------------


def template_writers(template: Template) -> set[int]:
    """Who wrote the template: its author and whoever last changed its text."""
    return {pk for pk in (template.created_by_id, template.edited_by_id) if pk}


def refusal_to_approve_template(user: User, template: Template) -> ApplicationError | None:
    """Approving a template ahead of time: someone who may approve messages and neither wrote
    it nor last changed its text, once."""

    def check() -> None:
        require(user, APPROVE_MESSAGE)
        if user.pk in template_writers(template):
            raise NotPermitted(_("You wrote this template; someone else must approve it."))
        if template.is_approved:
            raise ApplicationError(_("This template is already approved."))

    return _refusal(check)
