"""The stop switch: a manager pauses publishing on one account or on all, and resumes it.

Pausing holds every approved message on the accounts it covers (the publishing tasks already
queued find the pause and stop before calling X), stops polling their mentions (a hacked
account's tokens are not used), and writes a line on the timeline of every open incident
concerned. Resuming asks which waiting messages to release: the chosen ones go out, each with
a timeline line; every other one goes back to draft with its approvals voided, so nothing
stale is posted because a pause ended. The admin site has no way around it: publishing asks
communications.accounts.pauses before every post, whoever approved.
"""

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from communications.accounts.models import PublishingPause, SocialAccount
from communications.accounts.pauses import pause_covering
from communications.listening.models import InboundPost
from communications.messaging import publishing
from communications.messaging.gate import has_gone_out
from communications.messaging.lifecycle import approvals_void, move
from communications.messaging.models import Message
from communications.messaging.services.messages import message_event_record
from config.errors import ApplicationError, Conflict
from config.people import User
from config.permissions import PAUSE_PUBLISHING, require
from incidents.models import OPEN_STATUSES, Incident, TimelineEvent
from incidents.services import timeline_event_record

S = Message.Status
REASON_MAX = 500


def _in_scope(pause: PublishingPause) -> Q:
    """The messages that go to a network through the accounts the pause covers."""
    on_network = Q(account__isnull=False)
    return on_network if pause.account_id is None else on_network & Q(account_id=pause.account_id)


def waiting_messages(pause: PublishingPause) -> QuerySet[Message]:
    """Messages on the pause's accounts that have not gone out: the approved ones, and the
    attempts left unsettled (a worker lost, X silent) that nobody may check on X during the
    pause. What a resume may release. Stakeholder updates are sent by a person and are not
    held."""
    return (
        Message.objects.filter(_in_scope(pause), status__in=[S.APPROVED, S.PUBLISHING])
        .exclude(kind=Message.Kind.STAKEHOLDER_UPDATE)
        .select_related("incident", "account", "author")
        .order_by("approved_at", "pk")
    )


def _incidents_concerned(pause: PublishingPause) -> QuerySet[Incident]:
    """Every open incident (a pause over all accounts), or those with messages or mentions
    on the paused account."""
    incidents = Incident.objects.filter(status__in=OPEN_STATUSES)
    if pause.account_id is None:
        return incidents
    return incidents.filter(
        Q(pk__in=Message.objects.filter(account_id=pause.account_id).values("incident_id"))
        | Q(
            pk__in=InboundPost.objects.filter(
                account_id=pause.account_id, incident__isnull=False
            ).values("incident_id")
        )
    )


def _tell_incidents(pause: PublishingPause, actor: User, text: str, **data: Any) -> int:
    incidents = list(_incidents_concerned(pause).order_by("pk"))
    for incident in incidents:
        timeline_event_record(
            incident=incident,
            actor=actor,
            kind=TimelineEvent.Kind.PUBLISH,
            text=text,
            data={"pause": pause.pk, **data},
        )
    return len(incidents)


@transaction.atomic
def publishing_pause(*, actor: User, account: SocialAccount | None, reason: str) -> PublishingPause:
    """Stop all posting on the account (None: on every account) until a manager resumes."""
    require(actor, PAUSE_PUBLISHING)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why publishing is paused."), field="reason")
    if len(reason) > REASON_MAX:
        raise ApplicationError(
            _("Keep the reason under %(max)d characters.") % {"max": REASON_MAX}, field="reason"
        )
    scope = PublishingPause.ALL if account is None else str(account.pk)
    existing = PublishingPause.objects.filter(scope=scope, resumed_at__isnull=True).first()
    if existing is not None:
        raise Conflict(
            _("Publishing on %(where)s is already paused by %(who)s since %(at)s.")
            % {
                "where": existing.where,
                "who": existing.paused_by,
                "at": date_format(timezone.localtime(existing.paused_at), "DATETIME_FORMAT"),
            }
        )
    try:
        with transaction.atomic():
            pause = PublishingPause.objects.create(
                account=account, scope=scope, reason=reason, paused_by=actor
            )
    except IntegrityError as exc:  # a second manager's pause, a moment earlier
        raise Conflict(_("Publishing there was paused a moment ago; reload.")) from exc
    held = (
        waiting_messages(pause).filter(held_since__isnull=True).update(held_since=pause.paused_at)
    )
    _tell_incidents(
        pause,
        actor,
        _("Publishing paused on %(where)s: %(reason)s") % {"where": pause.where, "reason": reason},
        held=held,
    )
    return pause


def _settle_attempt(
    message: Message, actor: User, pause: PublishingPause, *, release: bool
) -> None:
    """An attempt the pause left unsettled: X is asked now what it posted. Released, the rest
    goes out; not released, nothing more is posted (communications.messaging.publishing
    settles it)."""
    message.not_released = not release
    # X has had the pause's length to show the post: the check needs no backoff first.
    message.unknown_outcome = False
    message.save(update_fields=["held_since", "not_released", "unknown_outcome", "updated_at"])
    publishing.reconcile_later(message)
    if release:
        text = _(
            "Released after the pause on %(where)s: what went out is checked on X, then the "
            "rest goes out"
        )
    else:
        text = _(
            "Not released after the pause on %(where)s: what went out is checked on X and "
            "nothing more is posted"
        )
    message_event_record(
        message, actor, TimelineEvent.Kind.PUBLISH, text % {"where": pause.where}, pause=pause.pk
    )


def _release_ids(release: Iterable[Any]) -> set[int]:
    ids = set()
    for value in release:
        try:
            ids.add(int(value))
        except (TypeError, ValueError):
            raise ApplicationError(
                _("Choose messages by their ids: %(value)s is not one.") % {"value": value},
                field="release",
            ) from None
    return ids


@transaction.atomic
def publishing_resume(
    *, actor: User, pause: PublishingPause, release: Iterable[Any] = ()
) -> PublishingPause:
    """End the pause. The messages chosen in ``release`` go out now (or at their scheduled
    time); every other waiting message goes back to draft, its approvals voided. A message
    still held by another pause in force stays held and is neither released nor sent back."""
    require(actor, PAUSE_PUBLISHING)
    pause = (
        PublishingPause.objects.select_for_update(of=("self",))
        .select_related("account")
        .get(pk=pause.pk)
    )
    if pause.resumed_at is not None:
        raise Conflict(_("This pause has already ended."))
    chosen = _release_ids(release)
    now = timezone.now()
    pause.resumed_at = now
    pause.resumed_by = actor
    pause.save(update_fields=["resumed_at", "resumed_by"])
    waiting = list(waiting_messages(pause).select_for_update(of=("self",)))
    unknown = chosen - {message.pk for message in waiting}
    if unknown:
        raise ApplicationError(
            _("Not waiting on this pause: %(ids)s.")
            % {"ids": ", ".join(str(pk) for pk in sorted(unknown))},
            field="release",
        )
    released: list[int] = []
    returned: list[int] = []
    still_held: list[int] = []
    for message in waiting:
        other = pause_covering(message.account_id)
        if other is not None:
            still_held.append(message.pk)
            continue
        message.held_since = None
        if message.status == S.PUBLISHING:
            _settle_attempt(message, actor, pause, release=message.pk in chosen)
            (released if message.pk in chosen else returned).append(message.pk)
            continue
        if message.pk in chosen:
            message.save(update_fields=["held_since", "updated_at"])
            publishing.publish_later(message)
            message_event_record(
                message,
                actor,
                TimelineEvent.Kind.PUBLISH,
                _("Released after the pause on %(where)s: it goes out now")
                % {"where": pause.where},
                pause=pause.pk,
            )
            released.append(message.pk)
        elif has_gone_out(message):
            text = publishing.fail_not_released(message)
            message.save(update_fields=["status", "last_error", "held_since", "updated_at"])
            message_event_record(message, actor, TimelineEvent.Kind.PUBLISH, text, pause=pause.pk)
            returned.append(message.pk)
        else:
            move(message, S.DRAFT)
            message.approved_at = None
            message.save(update_fields=["status", "approved_at", "held_since", "updated_at"])
            approvals_void(message, now)
            message_event_record(
                message,
                actor,
                TimelineEvent.Kind.PUBLISH,
                _(
                    "Not released after the pause on %(where)s: back to draft, its approvals "
                    "voided; submit it again to send it"
                )
                % {"where": pause.where},
                pause=pause.pk,
            )
            returned.append(message.pk)
    pause.released = released
    pause.returned = returned
    pause.save(update_fields=["released", "returned"])
    _tell_incidents(
        pause,
        actor,
        _("Publishing resumed on %(where)s: %(released)d released, %(returned)d back to draft")
        % {"where": pause.where, "released": len(released), "returned": len(returned)},
        still_held=still_held,
    )
    return pause
