"""Deciding on a message that waits for approval: approve, reject, send back for changes.

Nothing leaves without approval: a message needs approvals from people other than its writers
who hold communications.approve_message, as many as its incident's severity asks; each
approval is bound to a hash of the exact text and target (communications.messaging.gate), so an edit
voids them all. With enough approvals the message is approved and queued for publishing.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communications.messaging import publishing
from communications.messaging.gate import (
    approvals_needed,
    approvals_required_for,
    approvers_to_notify,
    refusal_to_approve,
    refusal_to_decide,
    valid_approvals,
)
from communications.messaging.lifecycle import approvals_void, move
from communications.messaging.models import Approval, Message
from communications.messaging.services.messages import message_event_record, message_lock
from config.errors import ApplicationError
from config.languages import lowered
from config.people import User
from incidents.models import Incident, Severity, TimelineEvent
from teams.models import Reason
from teams.services import notify

S = Message.Status


def _require_decider(actor: User, message: Message) -> None:
    refusal = refusal_to_decide(actor, message)
    if refusal is not None:
        raise refusal


@transaction.atomic
def message_approve(*, actor: User, message: Message, comment: str = "") -> Message:
    """Approve the exact submitted text, when it could go out as it is (refusal_to_approve).
    With enough approvals that count it is approved and goes out at its time, through the last
    gate (communications.messaging.gate.publish_refusal)."""
    message = message_lock(message)
    refusal = refusal_to_approve(actor, message)
    if refusal is not None:
        raise refusal
    if any(a.approver_id == actor.pk for a in valid_approvals(message)):
        raise ApplicationError(_("You already approved this text; another approver is needed."))
    Approval.objects.create(
        message=message,
        approver=actor,
        decision=Approval.Decision.APPROVED,
        comment=comment.strip(),
        text_hash=message.text_hash,
    )
    count = len(valid_approvals(message))
    message.approvals_required = approvals_needed(message)
    message_event_record(
        message,
        actor,
        TimelineEvent.Kind.APPROVAL,
        _("Approved (%(count)d of %(needed)d)")
        % {"count": count, "needed": message.approvals_required}
        + (f": {comment.strip()}" if comment.strip() else ""),
        decision="approved",
    )
    message.save(update_fields=["approvals_required", "updated_at"])
    if count >= message.approvals_required:
        move(message, S.APPROVED)
        message.approved_at = timezone.now()
        message.save(update_fields=["status", "approved_at", "updated_at"])
        publishing.publish_later(message)
    return message


@transaction.atomic
def _refuse(*, actor: User, message: Message, comment: str, decision: str, status: str) -> Message:
    message = message_lock(message)
    _require_decider(actor, message)
    comment = (comment or "").strip()
    if not comment:
        raise ApplicationError(_("Tell the author why."), field="comment")
    Approval.objects.create(
        message=message,
        approver=actor,
        decision=decision,
        comment=comment,
        text_hash=message.text_hash,
    )
    approvals_void(message, timezone.now())
    move(message, status)
    message.save(update_fields=["status", "updated_at"])
    label = Approval.Decision(decision).label
    message_event_record(
        message, actor, TimelineEvent.Kind.APPROVAL, f"{label}: {comment}", decision=decision
    )
    notify(
        recipients=[message.author],
        reason=Reason.MESSAGE_RETURNED,
        subject=f"message:{message.pk}:{decision}:{message.text_hash}",
        title=lambda _zone: (
            _("%(reference)s: %(decision)s — %(text)s")
            % {
                "reference": message.incident.reference,
                "decision": lowered(label),
                "text": message.body[:60],
            }
        ),
        body=comment,
        url=message.get_absolute_url(),
        incident=message.incident,
    )
    return message


def message_reject(*, actor: User, message: Message, comment: str) -> Message:
    return _refuse(
        actor=actor,
        message=message,
        comment=comment,
        decision=Approval.Decision.REJECTED,
        status=S.REJECTED,
    )


def message_request_changes(*, actor: User, message: Message, comment: str) -> Message:
    return _refuse(
        actor=actor,
        message=message,
        comment=comment,
        decision=Approval.Decision.CHANGES_REQUESTED,
        status=S.CHANGES_REQUESTED,
    )


@transaction.atomic
def approvals_raise_to_severity(*, actor: User, incident: Incident) -> list[Message]:
    """The incident grew more severe: each of its messages waiting for approval, or approved
    but not yet out, needs the approvals of the new severity. An approved one without enough
    goes back to waiting, and the approvers are asked again; the others not yet out keep the
    new bar for when they are submitted. The bar never comes down: a severity lowered later
    keeps what a message needed (policy.approvals_needed)."""
    needed = approvals_required_for(incident)
    # A draft or a message sent back keeps the bar too, for when it is submitted again.
    Message.objects.filter(
        incident=incident,
        status__in=[S.DRAFT, S.REJECTED, S.CHANGES_REQUESTED, S.FAILED],
        approvals_required__lt=needed,
    ).update(approvals_required=needed)
    raised = list(
        Message.objects.select_for_update(of=("self",))
        .select_related("incident", "account", "author")
        .filter(
            incident=incident,
            status__in=[S.PENDING_APPROVAL, S.APPROVED],
            approvals_required__lt=needed,
        )
    )
    severity = Severity(incident.severity).short
    for message in raised:
        message.approvals_required = needed
        count = len(valid_approvals(message))
        if message.status == S.APPROVED and count < needed:
            move(message, S.PENDING_APPROVAL)
            message.approved_at = None
            text = _(
                "%(severity)s needs %(needed)d approvals; with %(count)d this message waits "
                "for approval again"
            ) % {"severity": severity, "needed": needed, "count": count}
        else:
            text = _("%(severity)s: this message now needs %(needed)d approvals") % {
                "severity": severity,
                "needed": needed,
            }
        message.save(update_fields=["approvals_required", "status", "approved_at", "updated_at"])
        message_event_record(message, actor, TimelineEvent.Kind.APPROVAL, text, needed=needed)
        if message.status == S.PENDING_APPROVAL:
            notify(
                recipients=[
                    p
                    for p in approvers_to_notify(message)
                    if not any(a.approver_id == p.pk for a in valid_approvals(message))
                ],
                reason=Reason.APPROVAL_REQUESTED,
                subject=f"message:{message.pk}:{message.text_hash}:needs:{needed}",
                title=lambda _zone: (
                    _("%(reference)s: a message needs another approval")
                    % {"reference": incident.reference}
                ),
                body=message.body,
                url=message.get_absolute_url(),
                incident=incident,
            )
    return raised
