"""Every write to social accounts, outgoing messages and their approvals.

Nothing leaves without approval: a message needs approvals from people other than its author
who hold communications.approve_message, as many as its incident's severity asks; each
approval is bound to a hash of the exact text and target, so an edit voids them all and
returns the message to draft. Every move lands on the incident's timeline.
"""

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError, NotPermitted
from config.permissions import (
    APPROVE_MESSAGE,
    DRAFT_MESSAGE,
    MANAGE_ACCOUNTS,
    MANAGE_TEMPLATES,
    holds,
    require,
)
from incidents.models import Claim, Incident, TimelineEvent
from incidents.services import timeline_event_record
from teams.models import Channel, Reason, Role
from teams.services import notify

from . import crypto
from .lifecycle import EDITABLE, SUBMITTABLE, WITHDRAWABLE
from .models import (
    INTERNAL_KINDS,
    Approval,
    InboundPost,
    Message,
    SocialAccount,
    Template,
    ThreadPart,
)
from .text import MAX_WEIGHTED_LENGTH, text_hash, weighted_length

User = Any
S = Message.Status

INTERNAL_MAX_LENGTH = 5000
POST_URL = re.compile(r"^https?://(?:www\.|mobile\.)?(?:x|twitter)\.com/[^/]+/status(?:es)?/(\d+)")
MAX_THREAD_PARTS = 25

# --- social accounts ------------------------------------------------------------------------

CREDENTIAL_FIELDS: dict[str, tuple[str, ...]] = {
    SocialAccount.AuthKind.OAUTH1: (
        "consumer_key",
        "consumer_secret",
        "access_token",
        "access_token_secret",
    ),
    SocialAccount.AuthKind.OAUTH2: ("access_token", "refresh_token", "client_id", "client_secret"),
}


@transaction.atomic
def account_save(
    *,
    actor: User,
    account: SocialAccount | None = None,
    handle: str,
    display_name: str = "",
    external_user_id: str = "",
    two_factor_enabled: bool = False,
    publishers: Iterable[User] = (),
    auth_kind: str | None = None,
    credentials: dict[str, str] | None = None,
) -> SocialAccount:
    """Create or change an account. ``credentials`` replaces the stored ones (and counts as a
    rotation); None keeps them. They are encrypted before they touch the database."""
    require(actor, MANAGE_ACCOUNTS)
    handle = handle.strip().lstrip("@")
    if not re.fullmatch(r"[A-Za-z0-9_]{1,15}", handle):
        raise ApplicationError(
            _("An X handle has 1 to 15 letters, digits or underscores."), field="handle"
        )
    if external_user_id and not external_user_id.isdigit():
        raise ApplicationError(_("The user id is a number."), field="external_user_id")
    account = account or SocialAccount()
    account.handle = handle
    account.display_name = display_name.strip()
    account.external_user_id = external_user_id
    account.two_factor_enabled = two_factor_enabled
    if credentials is not None:
        kind = auth_kind or SocialAccount.AuthKind.OAUTH1
        if kind == SocialAccount.AuthKind.NONE:
            account.credentials_encrypted = ""
        else:
            needed = CREDENTIAL_FIELDS.get(kind, ())
            missing = [name for name in needed[:2] if not credentials.get(name)]
            if missing:
                raise ApplicationError(
                    _("Give %(fields)s.") % {"fields": ", ".join(missing)}, field="credentials"
                )
            if not external_user_id:
                raise ApplicationError(
                    _("Publishing needs the account's user id on X."), field="external_user_id"
                )
            account.credentials_encrypted = crypto.encrypt(
                {k: v for k, v in credentials.items() if k in needed and v}
            )
        account.auth_kind = kind
        account.credentials_rotated_at = timezone.now()
    account.save()
    account.publishers.set(list(publishers))
    return account


def account_credentials(account: SocialAccount) -> dict[str, str]:
    """The decrypted credentials, for the publisher only; never shown or logged."""
    if account.is_sandbox:
        return {}
    return crypto.decrypt(account.credentials_encrypted)


@transaction.atomic
def account_tokens_refreshed(
    *, account: SocialAccount, access_token: str, refresh_token: str
) -> dict[str, str]:
    """Store the OAuth 2.0 tokens X handed out on a refresh (the publisher calls this)."""
    locked = SocialAccount.objects.select_for_update().get(pk=account.pk)
    credentials = {
        **account_credentials(locked),
        "access_token": access_token,
        "refresh_token": refresh_token,
    }
    locked.credentials_encrypted = crypto.encrypt(credentials)
    locked.save(update_fields=["credentials_encrypted"])
    return credentials


def rotation_due(account: SocialAccount, *, now: datetime | None = None) -> bool:
    """True when the account's credentials are older than CREDENTIALS_ROTATION_DAYS."""
    if account.is_sandbox:
        return False
    limit = (now or timezone.now()) - timedelta(days=settings.CREDENTIALS_ROTATION_DAYS)
    rotated = account.credentials_rotated_at
    return rotated is None or rotated < limit


def credentials_rotation_remind(*, now: datetime | None = None) -> int:
    """Notify everyone who manages accounts about each account whose credentials are due
    (once per account and rotation date). Returns how many accounts are due."""
    due = accounts_needing_rotation(now=now)
    if not due:
        return 0
    managers = [
        person
        for person in get_user_model().objects.filter(is_active=True)
        if person.has_perm(MANAGE_ACCOUNTS)
    ]
    for account in due:
        rotated = account.credentials_rotated_at
        notify(
            recipients=managers,
            reason=Reason.CREDENTIALS_STALE,
            subject=f"account:{account.pk}:rotation:{rotated.date() if rotated else 'never'}",
            title=_("Rotate the credentials of %(account)s") % {"account": account},
            body=_("Last rotated: %(when)s. The policy asks for every %(days)d days.")
            % {
                "when": rotated.strftime("%Y-%m-%d") if rotated else _("never"),
                "days": settings.CREDENTIALS_ROTATION_DAYS,
            },
            url=reverse("communications:accounts"),
        )
    return len(due)


def accounts_needing_rotation(*, now: datetime | None = None) -> list[SocialAccount]:
    now = now or timezone.now()
    limit = now - timedelta(days=settings.CREDENTIALS_ROTATION_DAYS)
    return list(
        SocialAccount.objects.filter(is_active=True)
        .exclude(auth_kind=SocialAccount.AuthKind.NONE)
        .filter(Q(credentials_rotated_at__lt=limit) | Q(credentials_rotated_at__isnull=True))
    )


# --- messages -------------------------------------------------------------------------------


def _post_id(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if value.isdigit():
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


def _message_fields(message: Message, parts: list[str], departments: list[int]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "kind": message.kind,
        "account": message.account_id,
        "body": message.body,
        "reply_to_mention": message.reply_to_mention_id,
        "reply_to_post_id": message.reply_to_post_id,
        "quote_post_id": message.quote_post_id,
        "parts": parts,
    }
    if message.is_internal:
        fields["audience"] = {
            "group": message.stakeholder_group_id,
            "channel": message.stakeholder_channel,
            "departments": departments,
        }
    return fields


def message_hash(message: Message) -> str:
    """The hash approvals bind to: the text (all thread parts) and where it goes."""
    parts = list(message.parts.order_by("position").values_list("body", flat=True))
    departments = (
        sorted(message.briefing_departments.values_list("pk", flat=True))
        if message.pk and message.is_internal
        else []
    )
    return text_hash(_message_fields(message, parts, departments))


def _event(message: Message, actor: User | None, kind: str, text: str, **data: Any) -> None:
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
) -> None:
    if kind not in Message.Kind.values:
        raise ApplicationError(_("Choose what kind of message this is."), field="kind")
    if (kind in INTERNAL_KINDS) != (message.account_id is None):
        raise ApplicationError(
            _("Staff briefings and stakeholder updates go out without an account; posts need one.")
            if message.account_id
            else _("Choose the account to post from."),
            field="account",
        )
    body = (body or "").strip()
    if kind in INTERNAL_KINDS:
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
    if kind == Message.Kind.CORRECTION:
        if corrects is None:
            raise ApplicationError(
                _("A correction names the published message it corrects."), field="corrects"
            )
        if corrects.status != S.PUBLISHED or corrects.incident_id != message.incident_id:
            raise ApplicationError(
                _("Correct a published message of the same incident."), field="corrects"
            )
    message.corrects = corrects if kind == Message.Kind.CORRECTION else None
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


def _apply_audience(message: Message, *, stakeholder_group: Any, stakeholder_channel: str) -> None:
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
    message.briefing_departments.set(
        list(departments) if message.kind == Message.Kind.STAFF_BRIEFING else []
    )


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
    stakeholder_group: Any = None,
    stakeholder_channel: str = "",
    briefing_departments: Iterable[Any] = (),
) -> Message:
    """Start a draft. Nothing is sent: the draft must be submitted and approved first.
    Staff briefings and stakeholder updates have no account: they never go to a network."""
    require(actor, DRAFT_MESSAGE)
    if not incident.is_editable:
        raise ApplicationError(
            _("%(reference)s is %(status)s; start a new incident to speak about it.")
            % {"reference": incident.reference, "status": incident.get_status_display()}
        )
    if kind in INTERNAL_KINDS:
        account = None
    if account is not None:
        if not account.is_active:
            raise ApplicationError(_("This account is switched off."), field="account")
        _may_write_for(actor, account)
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
        from .mentions.services import mention_link

        mention_link(actor=actor, mention=reply_to_mention, incident=incident)
    _event(
        message,
        actor,
        TimelineEvent.Kind.MESSAGE,
        (
            _("Draft %(kind)s from %(account)s: %(text)s")
            % {"kind": message.get_kind_display().lower(), "account": account, "text": message.body}
            if account
            else _("Draft %(kind)s: %(text)s")
            % {"kind": message.get_kind_display().lower(), "text": message.body}
        ),
    )
    return message


def approvals_required_for(incident: Incident) -> int:
    return max(1, settings.APPROVALS_REQUIRED.get(incident.severity, 1))


def _locked(message: Message) -> Message:
    return (
        Message.objects.select_for_update(of=("self",))
        .select_related("incident", "account", "author")
        .get(pk=message.pk)
    )


def _void_approvals(message: Message, now: datetime) -> int:
    return Approval.objects.filter(message=message, voided_at__isnull=True).update(voided_at=now)


@transaction.atomic
def message_update(
    *,
    actor: User,
    message: Message,
    body: str,
    kind: str | None = None,
    reply_to_mention: InboundPost | None = None,
    reply_to_post: str = "",
    quote_post: str = "",
    corrects: Message | None = None,
    parts: Iterable[str] = (),
    cited_claims: Iterable[Claim] | None = None,
    scheduled_at: datetime | None = None,
    stakeholder_group: Any = None,
    stakeholder_channel: str = "",
    briefing_departments: Iterable[Any] | None = None,
) -> Message:
    """Edit the text or target. Once submitted, any change voids every approval and returns
    the message to draft: it must be submitted and approved again. An audience left out
    (group, channel, departments) stays as it was."""
    message = _locked(message)
    require(actor, DRAFT_MESSAGE)
    if actor.pk != message.author_id and not holds(actor, APPROVE_MESSAGE):
        raise NotPermitted(_("Only the author or an approver may edit this message."))
    if message.status not in EDITABLE:
        raise ApplicationError(
            _("A message that is %(status)s can no longer be edited.")
            % {"status": message.get_status_display().lower()}
        )
    before = message_hash(message)
    part_texts = [p for p in (t.strip() for t in parts) if p]
    _apply_content(
        message,
        kind=kind or message.kind,
        body=body,
        reply_to_mention=reply_to_mention,
        reply_to_post=reply_to_post,
        quote_post=quote_post,
        corrects=corrects,
        parts=part_texts,
        scheduled_at=scheduled_at,
    )
    _apply_audience(
        message,
        stakeholder_group=stakeholder_group or message.stakeholder_group,
        stakeholder_channel=stakeholder_channel or message.stakeholder_channel,
    )
    message.save()
    _save_parts(message, part_texts)
    if briefing_departments is not None:
        _save_departments(message, briefing_departments)
    if cited_claims is not None:
        message.cited_claims.set(_clean_claims(message.incident, cited_claims))
    if message_hash(message) == before:
        return message
    message.edited_by = actor if actor.pk != message.author_id else message.edited_by
    message.save(update_fields=["edited_by"])
    voided = 0
    if message.status != S.DRAFT:
        now = timezone.now()
        voided = _void_approvals(message, now)
        message.status = S.DRAFT
        message.approved_at = None
        message.save(update_fields=["status", "approved_at", "updated_at"])
    _event(
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


def _approvers_to_notify(message: Message) -> list[User]:
    """The incident's approvers, else whoever is on call as approver, else every approver."""
    from teams.selectors import role_holders

    people = role_holders(role=Role.APPROVER, incident=message.incident)
    if not people:
        people = list(
            get_user_model()
            .objects.filter(is_active=True)
            .filter(
                Q(groups__permissions__codename="approve_message")
                | Q(user_permissions__codename="approve_message")
                | Q(is_superuser=True)
            )
            .distinct()
        )
    return [p for p in people if p.pk != message.author_id and p.has_perm(APPROVE_MESSAGE)]


@transaction.atomic
def message_submit(*, actor: User, message: Message) -> Message:
    """Ask for approval. The approvals needed come from the incident's severity now."""
    message = _locked(message)
    require(actor, DRAFT_MESSAGE)
    if actor.pk != message.author_id and not holds(actor, APPROVE_MESSAGE):
        raise NotPermitted(_("Only the author submits their message."))
    if message.status not in SUBMITTABLE:
        raise ApplicationError(
            _("A message that is %(status)s cannot be submitted.")
            % {"status": message.get_status_display().lower()}
        )
    if not message.incident.is_editable:
        raise ApplicationError(_("The incident is over; this message can no longer go out."))
    if not message.is_internal:
        _check_length(message.body)
    message.status = S.PENDING_APPROVAL
    message.text_hash = message_hash(message)
    message.submitted_at = timezone.now()
    message.approvals_required = approvals_required_for(message.incident)
    message.save()
    _event(
        message,
        actor,
        TimelineEvent.Kind.MESSAGE,
        _("Submitted for approval (%(count)d needed)") % {"count": message.approvals_required},
    )
    notify(
        recipients=_approvers_to_notify(message),
        reason=Reason.APPROVAL_REQUESTED,
        subject=f"message:{message.pk}:{message.text_hash}",
        title=_("%(reference)s: a message waits for your approval")
        % {"reference": message.incident.reference},
        body=message.body,
        url=message.get_absolute_url(),
        incident=message.incident,
    )
    return message


def writers(message: Message) -> set[int]:
    """Who wrote the text: its author and whoever last changed it. Neither may approve it."""
    return {pk for pk in (message.author_id, message.edited_by_id) if pk}


def counting_approval(*, approval: str = "", message: str = "message__") -> Q:
    """The rule of an approval that counts: an approval, not voided, on the message's current
    text, by someone who did not write it. ``approval`` and ``message`` are the lookup paths
    from the model queried (Approval by default; for Message: "approvals__" and "")."""
    a, m = approval, message
    return (
        Q(
            **{
                f"{a}decision": Approval.Decision.APPROVED,
                f"{a}voided_at__isnull": True,
                f"{a}text_hash": F(f"{m}text_hash"),
            }
        )
        & ~Q(**{f"{a}approver": F(f"{m}author")})
        & (Q(**{f"{m}edited_by__isnull": True}) | ~Q(**{f"{a}approver": F(f"{m}edited_by")}))
    )


def valid_approvals(message: Message) -> list[Approval]:
    """The message's approvals that count (see counting_approval)."""
    return list(message.approvals.filter(counting_approval()).select_related("approver"))


def _require_approver(actor: User, message: Message) -> None:
    require(actor, APPROVE_MESSAGE)
    if actor.pk == message.author_id:
        raise NotPermitted(_("You wrote this message; someone else must approve it."))
    if actor.pk == message.edited_by_id:
        raise NotPermitted(_("You changed this message's text; someone else must approve it."))
    if message.status != S.PENDING_APPROVAL:
        raise ApplicationError(
            _("This message is %(status)s, not waiting for approval.")
            % {"status": message.get_status_display().lower()}
        )
    if message.text_hash != message_hash(message):
        # Cannot happen through the services; refuse rather than approve a text no one saw.
        raise ApplicationError(_("The text changed since it was submitted; reload it."))


@transaction.atomic
def message_approve(*, actor: User, message: Message, comment: str = "") -> Message:
    """Approve the exact submitted text. With enough distinct approvers it is approved and
    goes out at its time."""
    message = _locked(message)
    _require_approver(actor, message)
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
    _event(
        message,
        actor,
        TimelineEvent.Kind.APPROVAL,
        _("Approved (%(count)d of %(needed)d)")
        % {"count": count, "needed": message.approvals_required}
        + (f": {comment.strip()}" if comment.strip() else ""),
        decision="approved",
    )
    if count >= message.approvals_required:
        message.status = S.APPROVED
        message.approved_at = timezone.now()
        message.save(update_fields=["status", "approved_at", "updated_at"])
        from .publishing import publish_later

        publish_later(message)
    return message


@transaction.atomic
def _refuse(*, actor: User, message: Message, comment: str, decision: str, status: str) -> Message:
    message = _locked(message)
    _require_approver(actor, message)
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
    _void_approvals(message, timezone.now())
    message.status = status
    message.save(update_fields=["status", "updated_at"])
    label = Approval.Decision(decision).label
    _event(message, actor, TimelineEvent.Kind.APPROVAL, f"{label}: {comment}", decision=decision)
    notify(
        recipients=[message.author],
        reason=Reason.MESSAGE_RETURNED,
        subject=f"message:{message.pk}:{decision}:{message.text_hash}",
        title=_("%(reference)s: %(decision)s — %(text)s")
        % {
            "reference": message.incident.reference,
            "decision": str(label).lower(),
            "text": message.body[:60],
        },
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
def message_withdraw(*, actor: User, message: Message, reason: str = "") -> Message:
    """Take a message back before it goes out (or after it failed)."""
    message = _locked(message)
    if actor.pk == message.author_id:
        require(actor, DRAFT_MESSAGE)
    else:
        require(actor, APPROVE_MESSAGE)
    if message.status not in WITHDRAWABLE:
        raise ApplicationError(
            _("A message that is %(status)s cannot be withdrawn.")
            % {"status": message.get_status_display().lower()}
        )
    message.status = S.WITHDRAWN
    message.save(update_fields=["status", "updated_at"])
    _event(
        message,
        actor,
        TimelineEvent.Kind.MESSAGE,
        _("Message withdrawn") + (f": {reason.strip()}" if reason.strip() else ""),
    )
    return message


@transaction.atomic
def message_retry(*, actor: User, message: Message) -> Message:
    """Try a failed message again; its approvals still hold because its text did not change."""
    message = _locked(message)
    if actor.pk != message.author_id:
        require(actor, APPROVE_MESSAGE)
    else:
        require(actor, DRAFT_MESSAGE)
    if message.status != S.FAILED:
        raise ApplicationError(_("Only a failed message can be tried again."))
    if len(valid_approvals(message)) < message.approvals_required:
        raise ApplicationError(_("Its approvals no longer hold; submit it again."))
    message.status = S.APPROVED
    message.attempts = 0
    message.last_error = ""
    message.next_attempt_at = None
    message.save()
    _event(message, actor, TimelineEvent.Kind.PUBLISH, _("Publishing tried again"))
    from .publishing import publish_later

    publish_later(message)
    return message


# --- templates ------------------------------------------------------------------------------

# "@{handle}" and "{handle}" both give one "@name".
PLACEHOLDER = re.compile(r"(@?)\{(\w+)\}")
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?")


@transaction.atomic
def template_save(
    *,
    actor: User,
    template: Template | None = None,
    name: str,
    kind: str,
    language: str,
    body: str,
) -> Template:
    """Write or change a holding statement / reply template. A changed text (or language)
    is no longer the one that was approved: its approval is cleared."""
    require(actor, MANAGE_TEMPLATES)
    name = (name or "").strip()
    body = (body or "").strip()
    language = (language or "").strip().lower()
    if not name:
        raise ApplicationError(_("Give the template a name."), field="name")
    if kind not in Template.Kind.values:
        raise ApplicationError(_("Choose what kind of template this is."), field="kind")
    if not LANGUAGE_CODE.fullmatch(language):
        raise ApplicationError(_("Give a language code such as en or tr."), field="language")
    if not body:
        raise ApplicationError(_("Write the text first."), field="body")
    duplicate = Template.objects.filter(name__iexact=name, language=language)
    if template is not None:
        template = Template.objects.select_for_update().get(pk=template.pk)
        duplicate = duplicate.exclude(pk=template.pk)
    if duplicate.exists():
        raise ApplicationError(
            _("A template with this name already exists in this language."), field="name"
        )
    if template is None:
        template = Template(created_by=actor)
    elif (template.body, template.language) != (body, language):
        template.approved_by = None
        template.approved_at = None
        template.edited_by = actor
    template.name = name
    template.kind = kind
    template.language = language
    template.body = body
    template.save()
    return template


@transaction.atomic
def template_approve(*, actor: User, template: Template) -> Template:
    """Approve a template ahead of time, so a statement built on it can go out fast. Its
    author cannot approve it."""
    require(actor, APPROVE_MESSAGE)
    template = Template.objects.select_for_update().get(pk=template.pk)
    if actor.pk in (template.created_by_id, template.edited_by_id):
        raise NotPermitted(_("You wrote this template; someone else must approve it."))
    if template.is_approved:
        raise ApplicationError(_("This template is already approved."))
    template.approved_by = actor
    template.approved_at = timezone.now()
    template.save(update_fields=["approved_by", "approved_at", "updated_at"])
    return template


def template_render(
    *,
    template: Template,
    incident: Incident | None = None,
    handle: str = "",
    author: str = "",
    next_update: datetime | None = None,
) -> str:
    """The template's text with its placeholders filled. A placeholder without a value (or
    one this version does not know) stays visible, for the writer to fill in by hand."""
    values: dict[str, str] = {}
    if incident is not None:
        values["reference"] = incident.reference
        values["title"] = incident.title
    if handle.strip():
        values["handle"] = "@" + handle.strip().lstrip("@")
    if author.strip():
        values["author"] = author.strip()
    if next_update is not None:
        local = timezone.localtime(next_update)
        values["next_update"] = f"{local:%H:%M} {local.tzname()}"

    def fill(match: re.Match[str]) -> str:
        at, name = match.groups()
        if name not in values:
            return match.group(0)
        return values[name] if name == "handle" else at + values[name]

    return PLACEHOLDER.sub(fill, template.body)


@transaction.atomic
def message_mark_sent(*, actor: User, message: Message, told_at: datetime | None = None) -> Message:
    """An approved stakeholder update was sent (by email, phone, press release…): record that
    the group was told, which ticks the plan's checklist item, and mark it published."""
    from config.permissions import RECORD_STAKEHOLDER_UPDATE
    from teams.stakeholders.services import stakeholder_update_record

    message = _locked(message)
    require(actor, RECORD_STAKEHOLDER_UPDATE)
    if message.kind != Message.Kind.STAKEHOLDER_UPDATE or message.status != S.APPROVED:
        raise ApplicationError(_("Only an approved stakeholder update can be marked as sent."))
    assert message.stakeholder_group is not None
    stakeholder_update_record(
        actor=actor,
        incident=message.incident,
        group=message.stakeholder_group,
        channel=message.stakeholder_channel,
        told_at=told_at,
        summary=message.body,
    )
    message.status = S.PUBLISHED
    message.published_at = timezone.now()
    message.save()
    _event(
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
