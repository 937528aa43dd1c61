"""Every write to an outgoing message before and after its approval: drafting, editing,
asking for approval (and saving and asking at once), withdrawing, trying a failed one again,
and recording that a stakeholder update was sent.

Nothing leaves without approval (communications.messaging.services.approvals decides); an edit after
submission voids every approval and returns the message to draft. Each status change goes
through the lifecycle's table (communications.messaging.lifecycle.move); each move lands on the
incident's timeline.
"""

import re
from collections.abc import Iterable
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communications.accounts.models import SocialAccount
from communications.listening.drill_line import drill_line_crossed
from communications.listening.mentions.services import mention_link
from communications.listening.models import InboundPost
from communications.messaging import publishing
from communications.messaging.gate import (
    ApprovalCount,
    Stop,
    approval_count,
    approvals_needed,
    approvals_required_for,
    approvers_to_notify,
    message_hash,
    publish_refusal,
    refusal_to_edit,
    refusal_to_mark_sent,
    refusal_to_reply_again,
    refusal_to_retry,
    refusal_to_submit,
    refusal_to_withdraw,
)
from communications.messaging.lifecycle import approvals_void, move
from communications.messaging.models import ACCOUNTLESS_KINDS, Message, Template, ThreadPart
from communications.messaging.text import MAX_WEIGHTED_LENGTH, weighted_length
from config.errors import ApplicationError, NotPermitted
from config.languages import language_require, lowered
from config.partial import UNCHANGED
from config.people import User
from config.permissions import DRAFT_MESSAGE, require
from incidents.models import Claim, Incident, TimelineEvent
from incidents.services import timeline_event_record
from teams.models import Channel, Reason, StakeholderGroup
from teams.selectors import admins
from teams.services import notify
from teams.stakeholders.services import staff_briefing_audience_count, stakeholder_update_record

S = Message.Status

INTERNAL_MAX_LENGTH = 5000
# Kinds that may say which published message they correct: a correction must, a statement page
# update may (the page marks it as a correction, never a silent edit).
CORRECTING_KINDS = (Message.Kind.CORRECTION, Message.Kind.PAGE_UPDATE)
# X post ids are 64-bit snowflakes: ASCII digits, at most 19 of them.
POST_ID = re.compile(r"[0-9]{1,19}", re.ASCII)
POST_URL = re.compile(
    r"^https?://(?:www\.|mobile\.)?(?:x|twitter)\.com/[A-Za-z0-9_]{1,15}/status(?:es)?/([0-9]{1,19})"
    r"(?:[/?#]|$)",
    re.ASCII,
)
MAX_THREAD_PARTS = 25


def _raise(refusal: ApplicationError | None) -> None:
    if refusal is not None:
        raise refusal


def _post_id(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if POST_ID.fullmatch(value):
        return value
    match = POST_URL.match(value)
    if match:
        return match.group(1)
    raise ApplicationError(
        _("Give a post id or a link like https://x.com/handle/status/123."), field=field
    )


def _check_length(text: str, field: str = "body") -> None:
    if not text.strip():
        raise ApplicationError(_("Write the text first."), field=field)
    length = weighted_length(text)
    if not length.valid:
        raise ApplicationError(
            _("X counts %(count)d characters here; the limit is %(limit)d.")
            % {"count": length.weighted, "limit": MAX_WEIGHTED_LENGTH},
            field=field,
        )


def _may_write_for(actor: User, account: SocialAccount) -> None:
    publishers = list(account.publishers.values_list("pk", flat=True))
    if publishers and actor.pk not in publishers:
        raise NotPermitted(
            _("Only the people named on %(account)s may write for it.") % {"account": account}
        )


def message_event_record(
    message: Message, actor: User | None, kind: str, text: str, **data: Any
) -> None:
    """The message's move on its incident's timeline (its history is read from there)."""
    timeline_event_record(
        incident=message.incident,
        actor=actor,
        kind=kind,
        text=text,
        data={"message": message.pk, "status": message.status, **data},
    )


def _apply_content(
    message: Message,
    *,
    kind: str,
    body: str,
    reply_to_mention: InboundPost | None,
    reply_to_post: str,
    quote_post: str,
    corrects: Message | None,
    parts: list[str],
    scheduled_at: datetime | None,
    language: str = "",
) -> None:
    if kind not in Message.Kind.values:
        raise ApplicationError(_("Choose what kind of message this is."), field="kind")
    if (kind in ACCOUNTLESS_KINDS) != (message.account_id is None):
        raise ApplicationError(
            _(
                "Staff briefings, stakeholder updates and statement page updates go out without "
                "an account; posts need one."
            )
            if message.account_id
            else _("Choose the account to post from."),
            field="account",
        )
    message.language = (
        language_require((language or "").strip()) if kind == Message.Kind.PAGE_UPDATE else ""
    )
    body = (body or "").strip()
    if kind in ACCOUNTLESS_KINDS:
        if not body:
            raise ApplicationError(_("Write the text first."), field="body")
        if len(body) > INTERNAL_MAX_LENGTH:
            raise ApplicationError(
                _("Keep it within %(count)d characters.") % {"count": INTERNAL_MAX_LENGTH},
                field="body",
            )
    else:
        _check_length(body)
    message.kind = kind
    message.body = body
    message.reply_to_mention = reply_to_mention if kind == Message.Kind.REPLY else None
    message.reply_to_post_id = (
        _post_id(reply_to_post, "reply_to_post") if kind == Message.Kind.REPLY else ""
    )
    message.quote_post_id = _post_id(quote_post, "quote_post") if kind == Message.Kind.QUOTE else ""
    if kind == Message.Kind.REPLY:
        if reply_to_mention is None and not message.reply_to_post_id:
            raise ApplicationError(
                _("A reply needs the mention or post it answers."), field="reply_to_post"
            )
        if reply_to_mention is not None and message.reply_to_post_id:
            raise ApplicationError(
                _("Reply to a mention or to a post, not both."), field="reply_to_post"
            )
        if reply_to_mention is not None and reply_to_mention.account_id != message.account_id:
            raise ApplicationError(_("Reply from the account that was mentioned."), field="account")
    if kind == Message.Kind.QUOTE and not message.quote_post_id:
        raise ApplicationError(_("A quote needs the post it quotes."), field="quote_post")
    if kind == Message.Kind.CORRECTION and corrects is None:
        raise ApplicationError(
            _("A correction names the published message it corrects."), field="corrects"
        )
    corrects = corrects if kind in CORRECTING_KINDS else None
    if corrects is not None:
        if corrects.status != S.PUBLISHED or corrects.incident_id != message.incident_id:
            raise ApplicationError(
                _("Correct a published message of the same incident."), field="corrects"
            )
        if (kind == Message.Kind.PAGE_UPDATE) != (corrects.kind == Message.Kind.PAGE_UPDATE):
            raise ApplicationError(
                _("A page update corrects an earlier page update; a post corrects a post."),
                field="corrects",
            )
    message.corrects = corrects
    if kind == Message.Kind.THREAD:
        if not parts:
            raise ApplicationError(_("A thread has at least two posts."), field="parts")
        if len(parts) + 1 > MAX_THREAD_PARTS:
            raise ApplicationError(
                _("Keep a thread within %(count)d posts.") % {"count": MAX_THREAD_PARTS},
                field="parts",
            )
        for part in parts:
            _check_length(part, field="parts")
    if scheduled_at is not None and timezone.is_naive(scheduled_at):
        raise ApplicationError(_("Give the time with its timezone."), field="scheduled_at")
    message.scheduled_at = scheduled_at


def _apply_audience(
    message: Message, *, stakeholder_group: StakeholderGroup | None, stakeholder_channel: str
) -> None:
    """Whom an internal message reaches: a stakeholder group through a channel (stakeholder
    updates); staff briefings name departments, saved after the message."""
    if message.kind == Message.Kind.STAKEHOLDER_UPDATE:
        if stakeholder_group is None:
            raise ApplicationError(
                _("Choose the stakeholder group to tell."), field="stakeholder_group"
            )
        if stakeholder_channel not in Channel.values:
            raise ApplicationError(_("Choose how they are told."), field="stakeholder_channel")
        message.stakeholder_group = stakeholder_group
        message.stakeholder_channel = stakeholder_channel
    else:
        message.stakeholder_group = None
        message.stakeholder_channel = ""


def _save_departments(message: Message, departments: Iterable[Any]) -> None:
    chosen = list(departments) if message.kind == Message.Kind.STAFF_BRIEFING else []
    if message.kind == Message.Kind.STAFF_BRIEFING:
        staff_briefing_audience_count(chosen)  # a briefing that would reach nobody: refused
    message.briefing_departments.set(chosen)


def _save_parts(message: Message, parts: list[str]) -> None:
    message.parts.all().delete()
    if message.kind == Message.Kind.THREAD:
        ThreadPart.objects.bulk_create(
            ThreadPart(message=message, position=n, body=text.strip())
            for n, text in enumerate(parts, start=2)
        )


def _clean_claims(incident: Incident, claims: Iterable[Claim]) -> list[Claim]:
    claims = list(claims)
    if any(claim.incident_id != incident.pk for claim in claims):
        raise ApplicationError(_("Cite claims of this incident only."), field="cited_claims")
    return claims


@transaction.atomic
def message_create(
    *,
    actor: User,
    incident: Incident,
    account: SocialAccount | None,
    body: str,
    kind: str = Message.Kind.TWEET,
    reply_to_mention: InboundPost | None = None,
    reply_to_post: str = "",
    quote_post: str = "",
    corrects: Message | None = None,
    parts: Iterable[str] = (),
    cited_claims: Iterable[Claim] = (),
    scheduled_at: datetime | None = None,
    template: Template | None = None,
    stakeholder_group: StakeholderGroup | None = None,
    stakeholder_channel: str = "",
    briefing_departments: Iterable[Any] = (),
    language: str = "",
) -> Message:
    """Start a draft. Nothing is sent: the draft must be submitted and approved first.
    Staff briefings, stakeholder updates and statement page updates have no account: they
    never go to a network (a page update goes on the brand's statement page, in its
    ``language``)."""
    require(actor, DRAFT_MESSAGE)
    if not incident.is_editable:
        raise ApplicationError(
            _("%(reference)s is %(status)s; start a new incident to speak about it.")
            % {"reference": incident.reference, "status": incident.get_status_display()}
        )
    if kind in ACCOUNTLESS_KINDS:
        account = None
    if account is not None:
        if not account.is_active:
            raise ApplicationError(_("This account is switched off."), field="account")
        _may_write_for(actor, account)
    crossed = drill_line_crossed(
        incident=incident,
        account=account,
        mention=reply_to_mention if kind == Message.Kind.REPLY else None,
    )
    if crossed:
        raise ApplicationError(crossed, field="reply_to_mention" if reply_to_mention else "account")
    part_texts = [p for p in (t.strip() for t in parts) if p]
    message = Message(incident=incident, account=account, author=actor, template=template)
    _apply_content(
        message,
        kind=kind,
        body=body,
        reply_to_mention=reply_to_mention,
        reply_to_post=reply_to_post,
        quote_post=quote_post,
        corrects=corrects,
        parts=part_texts,
        scheduled_at=scheduled_at,
        language=language,
    )
    _apply_audience(
        message, stakeholder_group=stakeholder_group, stakeholder_channel=stakeholder_channel
    )
    message.approvals_required = approvals_required_for(incident)
    message.save()
    _save_parts(message, part_texts)
    _save_departments(message, briefing_departments)
    message.cited_claims.set(_clean_claims(incident, cited_claims))
    if reply_to_mention is not None and reply_to_mention.incident_id is None:
        mention_link(actor=actor, mention=reply_to_mention, incident=incident)
    message_event_record(
        message,
        actor,
        TimelineEvent.Kind.MESSAGE,
        (
            _("Draft %(kind)s from %(account)s: %(text)s")
            % {
                "kind": lowered(message.get_kind_display()),
                "account": account,
                "text": message.body,
            }
            if account
            else _("Draft %(kind)s: %(text)s")
            % {"kind": lowered(message.get_kind_display()), "text": message.body}
        ),
    )
    return message


def message_lock(message: Message) -> Message:
    """The message, locked for the rest of the transaction, with what its rules read."""
    return (
        Message.objects.select_for_update(of=("self",))
        .select_related("incident", "account", "author")
        .get(pk=message.pk)
    )


@transaction.atomic
def message_update(
    *,
    actor: User,
    message: Message,
    kind: str = UNCHANGED,
    body: str = UNCHANGED,
    reply_to_mention: InboundPost | None = UNCHANGED,
    reply_to_post: str = UNCHANGED,
    quote_post: str = UNCHANGED,
    corrects: Message | None = UNCHANGED,
    parts: Iterable[str] = UNCHANGED,
    cited_claims: Iterable[Claim] = UNCHANGED,
    scheduled_at: datetime | None = UNCHANGED,
    stakeholder_group: StakeholderGroup | None = UNCHANGED,
    stakeholder_channel: str = UNCHANGED,
    briefing_departments: Iterable[Any] = UNCHANGED,
    language: str = UNCHANGED,
) -> Message:
    """Edit the text or target (only what is given changes; an empty audience stays as it
    was). Once submitted, any change voids every approval and returns the message to draft:
    it must be submitted and approved again."""
    message = message_lock(message)
    _raise(refusal_to_edit(actor, message))

    def given(value: Any, current: Any) -> Any:
        return current if value is UNCHANGED else value

    before = message_hash(message)
    part_texts = [
        p
        for p in (t.strip() for t in given(parts, message.parts.values_list("body", flat=True)))
        if p
    ]
    _apply_content(
        message,
        kind=given(kind, message.kind) or message.kind,
        body=given(body, message.body),
        reply_to_mention=given(reply_to_mention, message.reply_to_mention),
        reply_to_post=given(reply_to_post, message.reply_to_post_id),
        quote_post=given(quote_post, message.quote_post_id),
        corrects=given(corrects, message.corrects),
        parts=part_texts,
        scheduled_at=given(scheduled_at, message.scheduled_at),
        language=given(language, message.language),
    )
    _apply_audience(
        message,
        stakeholder_group=given(stakeholder_group, None) or message.stakeholder_group,
        stakeholder_channel=given(stakeholder_channel, "") or message.stakeholder_channel,
    )
    crossed = drill_line_crossed(
        incident=message.incident, account=message.account, mention=message.reply_to_mention
    )
    if crossed:
        raise ApplicationError(crossed, field="reply_to_mention")
    message.save()
    _save_parts(message, part_texts)
    if briefing_departments is not UNCHANGED:
        _save_departments(message, briefing_departments)
    if cited_claims is not UNCHANGED:
        message.cited_claims.set(_clean_claims(message.incident, cited_claims))
    if message_hash(message) == before:
        return message
    message.edited_by = actor if actor.pk != message.author_id else message.edited_by
    message.save(update_fields=["edited_by"])
    voided = 0
    if message.status != S.DRAFT:
        voided = approvals_void(message, timezone.now())
        move(message, S.DRAFT)
        message.approved_at = None
        message.save(update_fields=["status", "approved_at", "updated_at"])
    message_event_record(
        message,
        actor,
        TimelineEvent.Kind.MESSAGE,
        (
            _("Message edited after submission: %(count)d approval(s) voided, back to draft")
            % {"count": voided}
            if voided or message.submitted_at
            else _("Draft edited")
        ),
        voided=voided,
    )
    return message


@transaction.atomic
def message_submit(*, actor: User, message: Message, reply_anyway: bool = False) -> Message:
    """Ask for approval. The approvals needed come from the incident's severity now. A reply
    to a mention that another reply already answers (waiting, approved or out) goes only with
    ``reply_anyway``: the mention is locked first, so of two writers submitting at once the
    second is asked too."""
    message = message_lock(message)
    _raise(refusal_to_submit(actor, message))
    if message.has_account:
        _check_length(message.body)
    answered_already = False
    if message.reply_to_mention_id is not None:
        # The mention locked: of two writers submitting at once, the second is asked too.
        list(InboundPost.objects.select_for_update().filter(pk=message.reply_to_mention_id))
        _raise(refusal_to_reply_again(message, reply_anyway=reply_anyway))
        answered_already = (
            reply_anyway and refusal_to_reply_again(message, reply_anyway=False) is not None
        )
    move(message, S.PENDING_APPROVAL)
    message.text_hash = message_hash(message)
    message.submitted_at = timezone.now()
    # The highest bar it has been under since it was drafted: a severity lowered in between
    # does not lower it.
    message.approvals_required = approvals_needed(message)
    message.save()
    count = approval_count(message)
    message_event_record(
        message,
        actor,
        TimelineEvent.Kind.MESSAGE,
        _("Submitted for approval (%(count)d needed)") % {"count": message.approvals_required}
        + " — "
        + count.outlook
        + (
            " — " + _("replied anyway: another reply to the mention was already under way")
            if answered_already
            else ""
        ),
        **({"reply_anyway": True} if answered_already else {}),
    )
    if count.stuck:
        _tell_admins_approvers_short(message, count)
    notify(
        recipients=approvers_to_notify(message),
        reason=Reason.APPROVAL_REQUESTED,
        subject=f"message:{message.pk}:{message.text_hash}",
        title=lambda _zone: (
            _("%(reference)s: a message waits for your approval")
            % {"reference": message.incident.reference}
        ),
        body=message.body,
        url=message.get_absolute_url(),
        incident=message.incident,
    )
    return message


def _tell_admins_approvers_short(message: Message, count: ApprovalCount) -> None:
    """Fewer people can approve the message than it needs: it would wait in silence. Say so on
    its timeline and tell the admins, who can let someone else approve."""
    text = _("Too few people can approve it: %(outlook)s") % {"outlook": count.outlook}
    message_event_record(message, None, TimelineEvent.Kind.APPROVAL, text, stuck=True)
    notify(
        recipients=[*admins(), message.author],
        reason=Reason.APPROVERS_SHORT,
        subject=f"message:{message.pk}:{message.text_hash}:stuck",
        title=lambda _zone: (
            _("%(reference)s: a message cannot get the approvals it needs")
            % {"reference": message.incident.reference}
        ),
        body=text,
        url=message.get_absolute_url(),
        incident=message.incident,
    )


@transaction.atomic
def message_save(
    *,
    actor: User,
    message: Message | None = None,
    incident: Incident | None = None,
    submit: bool = False,
    reply_anyway: bool = False,
    **content: Any,
) -> tuple[Message, bool]:
    """Save a new draft for ``incident`` (message_create's ``content``) or changes to
    ``message`` (message_update's) and, with ``submit``, ask for approval in the same
    transaction when it can be: the composer's "save and submit" and the API's ``submit``. A
    text that cannot go out (a placeholder left, say) is refused whole, nothing saved, so the
    writer sees why (a second reply to a mention without ``reply_anyway`` too: see
    message_submit). Returns the message and whether it was submitted now."""
    if message is None:
        if incident is None:
            raise ApplicationError(_("Choose the incident to speak about."), field="incident")
        message = message_create(actor=actor, incident=incident, **content)
    else:
        message = message_update(actor=actor, message=message, **content)
    if not submit:
        return message, False
    refusal = refusal_to_submit(actor, message)
    if refusal is None:
        return message_submit(actor=actor, message=message, reply_anyway=reply_anyway), True
    if refusal.field:  # what the text says, the writer must see: nothing is saved
        raise refusal
    return message, False  # already waiting, say: saved as it is


@transaction.atomic
def message_withdraw(*, actor: User, message: Message, reason: str = "") -> Message:
    """Take a message back before it goes out (or after it failed)."""
    message = message_lock(message)
    _raise(refusal_to_withdraw(actor, message))
    move(message, S.WITHDRAWN)
    message.save(update_fields=["status", "updated_at"])
    message_event_record(
        message,
        actor,
        TimelineEvent.Kind.MESSAGE,
        _("Message withdrawn") + (f": {reason.strip()}" if reason.strip() else ""),
    )
    return message


@transaction.atomic
def message_retry(*, actor: User, message: Message) -> Message:
    """Try a failed message again; its approvals still hold because its text did not change."""
    message = message_lock(message)
    _raise(refusal_to_retry(actor, message))
    refusal = publish_refusal(message)
    if refusal is not None and refusal.stop != Stop.PAUSED:  # a pause holds it once approved
        raise ApplicationError(
            _("It cannot go out: %(why)s") % {"why": refusal.text}
            + (" " + _("Submit it again.") if refusal.stop == Stop.APPROVALS else "")
        )
    move(message, S.APPROVED)
    message.attempts = 0
    message.last_error = ""
    message.next_attempt_at = None
    message.save()
    message_event_record(message, actor, TimelineEvent.Kind.PUBLISH, _("Publishing tried again"))
    publishing.publish_later(message)
    return message


@transaction.atomic
def message_mark_sent(*, actor: User, message: Message, told_at: datetime | None = None) -> Message:
    """An approved stakeholder update was sent (by email, phone, press release…): record that
    the group was told, which ticks the plan's checklist item, and mark it published."""
    message = message_lock(message)
    _raise(refusal_to_mark_sent(actor, message))
    assert message.stakeholder_group is not None
    stakeholder_update_record(
        actor=actor,
        incident=message.incident,
        group=message.stakeholder_group,
        channel=message.stakeholder_channel,
        told_at=told_at,
        summary=message.body,
    )
    move(message, S.PUBLISHED)
    message.published_at = timezone.now()
    message.save()
    message_event_record(
        message,
        actor,
        TimelineEvent.Kind.PUBLISH,
        _("Stakeholder update sent to %(group)s via %(channel)s")
        % {
            "group": message.stakeholder_group,
            "channel": message.get_stakeholder_channel_display(),
        },
    )
    return message


# What an incident that may no longer speak withdraws: everything not yet out, but an approved
# stakeholder update, which a person sends outside Crisis Desk and may still record as sent.
WITHDRAWN_WITH_THE_INCIDENT = (
    S.DRAFT,
    S.PENDING_APPROVAL,
    S.APPROVED,
    S.REJECTED,
    S.CHANGES_REQUESTED,
    S.FAILED,
)


def _withdrawn_title(_zone: ZoneInfo, *, incident: Incident, message: Message) -> str:
    return _("%(reference)s is %(status)s: your message was withdrawn — %(text)s") % {
        "reference": incident.reference,
        "status": lowered(incident.get_status_display()),
        "text": message.body[:60],
    }


def incident_messages_withdraw(*, actor: User, incident: Incident) -> list[Message]:
    """The incident was declined or closed (postmortems.flows.incident_transition): each
    of its messages not yet out is withdrawn, on its timeline, and its author told. A message
    locked at this moment (being approved, say) is left to the last gate, which withdraws it
    when its turn comes; one being published is settled by publishing."""
    withdrawn = list(
        Message.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("incident", "author")
        .filter(incident=incident, status__in=WITHDRAWN_WITH_THE_INCIDENT)
        .exclude(kind=Message.Kind.STAKEHOLDER_UPDATE, status=S.APPROVED)
        .order_by("pk")
    )
    status = lowered(incident.get_status_display())
    for message in withdrawn:
        move(message, S.WITHDRAWN)
        message.held_since = None
        message.save(update_fields=["status", "held_since", "updated_at"])
        message_event_record(
            message,
            actor,
            TimelineEvent.Kind.MESSAGE,
            _("Message withdrawn: %(reference)s is %(status)s and may no longer speak")
            % {"reference": incident.reference, "status": status},
        )
        notify(
            recipients=[message.author],
            reason=Reason.MESSAGE_RETURNED,
            subject=f"message:{message.pk}:withdrawn-with-incident",
            title=partial(_withdrawn_title, incident=incident, message=message),
            body=message.body,
            url=message.get_absolute_url(),
            incident=incident,
        )
    return withdrawn
