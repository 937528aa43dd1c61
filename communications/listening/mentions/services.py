"""Every write to inbound mentions: storing what was found, and the decisions people make.

No mention is left without a decision. A new mention is "new" until someone decides it needs
a reply, needs none (and says why), or escalates it; it becomes "replied" when a reply is
published from Crisis Desk (communications.messaging.publishing marks it) or when someone gives the
link of a reply made elsewhere. Each service is atomic and checks TRIAGE_MENTIONS; every
change of a mention linked to an incident lands on that incident's timeline.
"""

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communications.accounts.models import SocialAccount, WatchTerm
from communications.listening.drill_line import drill_line_crossed
from communications.listening.mentions.x_reader import FoundPost
from communications.listening.models import InboundPost, InboundPostEvent
from communications.listening.services import volume_count_again
from config.errors import ApplicationError, Conflict
from config.inputs import id_from
from config.people import User
from config.permissions import TRIAGE_MENTIONS, holds, require
from incidents import live
from incidents.models import Incident, TimelineEvent
from incidents.rehearsals import is_rehearsal
from incidents.services import timeline_event_record
from teams.models import Deadline, Reason, Role
from teams.schedule import engine as schedule
from teams.schedule.policies import incident_policy, mention_reply_due
from teams.services import notify, notify_role

T = InboundPost.Triage

# Waiting for a decision or an answer: these count towards the reply deadline.
OPEN = (T.NEW, T.NEEDS_REPLY, T.ESCALATED)
# What people may decide ("new" is where ingest puts a mention, not a decision).
DECISIONS = (T.NEEDS_REPLY, T.NO_REPLY, T.ESCALATED, T.REPLIED)
REASON_MAX_LENGTH = 300  # InboundPost.triage_reason
TEXT_MAX_LENGTH = 10_000
POST_URL = re.compile(
    r"^https?://(?:www\.|mobile\.)?(?:x|twitter)\.com/(?P<handle>[A-Za-z0-9_]{1,15}|i)"
    r"/status(?:es)?/(?P<id>\d{1,19})(?:[/?#].*)?$"
)
# An author's handle as typed (the @ is dropped): 1 to 15 letters, digits or underscores.
HANDLE = re.compile(r"^@?[A-Za-z0-9_]{1,15}$")


# --- storing what was found -----------------------------------------------------------------


def reply_due_at(
    *,
    posted_at: datetime,
    followers: int,
    incident: Incident | None = None,
    policy: dict[str, Any] | None = None,
) -> datetime:
    """When a reply is due: the response policy's time (the incident's, or the least severe
    level's outside any incident), sooner for a wider reach."""
    return mention_reply_due(
        posted_at=posted_at, followers=followers, incident=incident, policy=policy
    )


def _drills_outside_its_incident(mention: InboundPost) -> bool:
    """A drill's post that belongs to no incident (the scenario's storm beyond the posts its
    alert linked, or a post unlinked since): nothing about it may reach the real desk."""
    return mention.incident_id is None and is_rehearsal(mention)


def _reply_deadline_sync(mention: InboundPost) -> None:
    """The mention's reply deadline follows its triage: planned (by reach, on its incident's
    policy, owned by its assignee) while it needs a reply or is escalated, met once replied,
    cancelled when no reply is needed."""
    subject = f"mention:{mention.pk}"
    kind = Deadline.Kind.MENTION_REPLY
    if _drills_outside_its_incident(mention):
        # A deadline of no incident is a real one: it would page the real on-call people and
        # count on the dashboard, and outlive the drill. A drill's deadlines are its incident's.
        schedule.deadlines_cancel(
            kind=kind, subject=subject, reason=_("A drill's post outside the drill's incident.")
        )
        return
    if mention.triage == T.REPLIED:
        schedule.deadlines_meet(kind=kind, subject=subject)
        return
    if mention.triage not in (T.NEEDS_REPLY, T.ESCALATED):
        schedule.deadlines_cancel(kind=kind, subject=subject, reason=_("No reply needed."))
        return
    due = reply_due_at(
        posted_at=mention.posted_at, followers=mention.author_followers, incident=mention.incident
    )
    if due != mention.reply_due_at:
        mention.reply_due_at = due
        InboundPost.objects.filter(pk=mention.pk).update(reply_due_at=due)
    schedule.deadline_plan(
        kind=kind,
        subject=subject,
        title=_("Reply to %(who)s") % {"who": _who(mention)},
        due_at=due,
        incident=mention.incident,
        owner=mention.assignee,
        url=mention.get_absolute_url(),
        anchor_at=mention.posted_at,
    )


def mentions_store(
    *,
    account: SocialAccount,
    posts: Iterable[FoundPost],
    origin: str,
    watch_term: WatchTerm | None = None,
) -> int:
    """Store the posts not stored before as new mentions; return how many were new.

    Called by the ingest for what X returned. A post is stored once however often it is
    fetched (external_id is unique; a concurrent poll's rows are skipped, not duplicated).
    The account's own posts need no decision and are left out. ``watch_term``: the term whose
    search found them (its series counts them).
    """
    now = timezone.now()
    found: dict[str, FoundPost] = {}
    for post in posts:
        if account.external_user_id and post.author_id == account.external_user_id:
            continue
        found.setdefault(post.external_id, post)
    if not found:
        return 0
    seen = set(
        InboundPost.objects.filter(external_id__in=found).values_list("external_id", flat=True)
    )
    fresh = []
    outside = incident_policy(None)  # read once: a storm stores thousands of posts at a time
    for post in found.values():
        if post.external_id in seen:
            continue
        posted_at = post.posted_at or now
        fresh.append(
            InboundPost(
                external_id=post.external_id,
                account=account,
                origin=origin,
                watch_term=watch_term,
                author_id=post.author_id,
                author_handle=post.author_handle,
                author_name=post.author_name,
                author_followers=min(post.author_followers, 2**31 - 1),
                text=post.text,
                language=post.language,
                url=post.url,
                posted_at=posted_at,
                fetched_at=now,
                reply_due_at=reply_due_at(
                    posted_at=posted_at, followers=post.author_followers, policy=outside
                ),
            )
        )
    InboundPost.objects.bulk_create(fresh, ignore_conflicts=True)
    if fresh:  # stored in bulk, without the save signal: the queue is told here
        live.bump(*InboundPost.live_keys)
    volume_count_again(account_id=account.pk, moments=[post.posted_at for post in fresh])
    return len(fresh)


# --- decisions ------------------------------------------------------------------------------


def _locked(mention: InboundPost) -> InboundPost:
    return (
        InboundPost.objects.select_for_update(of=("self",))
        .select_related("account", "incident", "assignee")
        .get(pk=mention.pk)
    )


def mention_event_record(
    *,
    mention: InboundPost,
    actor: User | None,
    text: str,
    incident: Incident | None = None,
    **data: Any,
) -> None:
    """Record a change of the mention in its own history, and on its incident's timeline
    when it belongs to one."""
    incident = incident or mention.incident
    payload = {"mention": mention.pk, "triage": mention.triage, "url": mention.post_url(), **data}
    InboundPostEvent.objects.create(
        mention=mention, actor=actor, incident=incident, text=text, data=payload
    )
    if incident is not None:
        timeline_event_record(
            incident=incident, actor=actor, kind=TimelineEvent.Kind.MENTION, text=text, data=payload
        )


def _event(
    mention: InboundPost,
    actor: User | None,
    text: str,
    incident: Incident | None = None,
    **data: Any,
) -> None:
    mention_event_record(mention=mention, actor=actor, text=text, incident=incident, **data)


def _who(mention: InboundPost) -> str:
    return f"@{mention.author_handle}" if mention.author_handle else _("a post")


def reason_clean(value: str | None, *, required: str = "") -> str:
    """A reason as people type it: one line, spaces tidied, within REASON_MAX_LENGTH; the
    ``required`` message when it is needed and empty."""
    value = " ".join((value or "").split())
    if required and not value:
        raise ApplicationError(required, field="reason")
    if len(value) > REASON_MAX_LENGTH:
        raise ApplicationError(
            _("Keep the reason within %(count)d characters.") % {"count": REASON_MAX_LENGTH},
            field="reason",
        )
    return value


def _reply_link(value: str | None) -> str:
    value = (value or "").strip()
    if not value:
        raise ApplicationError(
            _(
                "A reply published from Crisis Desk marks the mention replied by itself; "
                "for a reply made elsewhere, give its link."
            ),
            field="reply_url",
        )
    if not POST_URL.match(value):
        raise ApplicationError(
            _("Give the reply's link, like https://x.com/handle/status/123."), field="reply_url"
        )
    return value


@transaction.atomic
def mention_triage(
    *,
    actor: User,
    mention: InboundPost,
    status: str,
    reason: str = "",
    reply_url: str = "",
) -> InboundPost:
    """Decide on a mention: needs a reply, no reply needed (with a reason), escalated (the
    incident's crisis lead, or whoever is on call as crisis lead, is notified), or replied
    elsewhere (with the reply's link). Deciding the same again changes nothing."""
    require(actor, TRIAGE_MENTIONS)
    mention = _locked(mention)
    if status not in DECISIONS:
        raise ApplicationError(
            _("Choose needs reply, no reply needed, escalated or replied."), field="status"
        )
    if status == T.NO_REPLY:
        reason = reason_clean(reason, required=_("Say why this mention needs no reply."))
    elif status == T.REPLIED:
        link = _reply_link(reply_url)
        extra = reason_clean(reason)
        reason = reason_clean(
            _("Replied elsewhere: %(url)s") % {"url": link} + (f" — {extra}" if extra else "")
        )
    else:
        reason = reason_clean(reason)
    if status == mention.triage and reason == mention.triage_reason:
        return mention
    before = mention.triage
    mention.triage = status
    mention.triage_reason = reason
    mention.triaged_by = actor
    mention.triaged_at = timezone.now()
    mention.save(update_fields=["triage", "triage_reason", "triaged_by", "triaged_at"])
    label = T(status).label
    _event(
        mention,
        actor,
        _("Mention from %(who)s: %(decision)s") % {"who": _who(mention), "decision": label}
        + (f" — {reason}" if reason else ""),
        before=before,
        reason=reason,
    )
    if status == T.ESCALATED:
        _notify_escalation(actor, mention)
    _reply_deadline_sync(mention)
    return mention


def _notify_escalation(actor: User, mention: InboundPost) -> None:
    """The crisis lead is told: the incident's, or the on-call one for a post of no incident
    (a drill's post of no incident tells no one: the real on-call lead is not a player)."""
    if _drills_outside_its_incident(mention):
        return
    incident = mention.incident
    where = incident.reference if incident else str(mention.account)
    decided_at = (mention.triaged_at or timezone.now()).isoformat()
    notify_role(
        role=Role.CRISIS_LEAD,
        reason=Reason.MENTION_ESCALATED,
        subject=f"mention:{mention.pk}:escalated:{decided_at}",
        title=lambda _zone: (
            _("%(where)s: %(person)s escalated a mention from %(who)s (%(followers)s followers)")
            % {
                "where": where,
                "person": actor,
                "who": _who(mention),
                "followers": f"{mention.author_followers:,}",
            }
        ),
        body=mention.text + (f"\n\n{mention.triage_reason}" if mention.triage_reason else ""),
        url=reverse("communications:mentions:detail", kwargs={"pk": mention.pk}),
        incident=incident,
    )


@transaction.atomic
def mention_assign(*, actor: User, mention: InboundPost, assignee: User | None) -> InboundPost:
    """Give the mention to someone who may triage (None: to nobody)."""
    require(actor, TRIAGE_MENTIONS)
    mention = _locked(mention)
    if assignee is not None and not holds(assignee, TRIAGE_MENTIONS):
        raise ApplicationError(
            _("%(person)s may not triage mentions; choose someone who may.") % {"person": assignee},
            field="assignee",
        )
    if (assignee.pk if assignee else None) == mention.assignee_id:
        return mention
    mention.assignee = assignee
    mention.save(update_fields=["assignee"])
    _event(
        mention,
        actor,
        (
            _("Mention from %(who)s given to %(person)s")
            % {"who": _who(mention), "person": assignee}
            if assignee
            else _("Mention from %(who)s no longer assigned") % {"who": _who(mention)}
        ),
        assignee=assignee.pk if assignee else None,
    )
    if mention.triage in (T.NEEDS_REPLY, T.ESCALATED):
        _reply_deadline_sync(mention)
    if assignee is not None and assignee.pk != actor.pk:
        notify(
            recipients=[assignee],
            reason=Reason.MENTION_ASSIGNED,
            subject=f"mention:{mention.pk}:assigned:{assignee.pk}",
            title=lambda _zone: (
                _("A mention from %(who)s is yours to handle") % {"who": _who(mention)}
            ),
            body=mention.text,
            url=mention.get_absolute_url(),
            incident=mention.incident,
        )
    return mention


class Bulk(models.TextChoices):
    """What one act on many mentions does (mentions_bulk)."""

    ASSIGN = "assign", gettext_lazy("Give to")
    LINK = "link", gettext_lazy("Link to an incident")
    NEEDS_REPLY = "needs_reply", gettext_lazy("Needs reply")
    NO_REPLY = "no_reply", gettext_lazy("No reply needed")
    ESCALATE = "escalate", gettext_lazy("Escalate")


BULK_MAX = 100  # mentions in one act: a page of the queue is 25


@transaction.atomic
def mentions_bulk(
    *,
    actor: User,
    mention_ids: Iterable[Any],
    action: str,
    assignee: User | None = None,
    incident: Incident | None = None,
    reason: str = "",
) -> int:
    """Act once on many mentions in a storm: give them to someone, link them to an incident,
    or decide them (needs reply, no reply needed with one reason, escalated). Each goes
    through the one service of its action (its own checks, events, deadlines and
    notifications), in the order of their ids so two people acting at once never deadlock.
    All or nothing: one refusal changes none, and says which mention. Returns how many were
    acted on."""
    require(actor, TRIAGE_MENTIONS)
    if action not in Bulk.values:
        raise ApplicationError(_("Choose what to do with the chosen mentions."), field="action")
    found = [id_from(pk) for pk in mention_ids]
    if None in found:
        raise ApplicationError(_("Choose mentions from the queue."), field="mentions")
    ids = sorted({pk for pk in found if pk is not None})
    if not ids:
        raise ApplicationError(_("Choose at least one mention."), field="mentions")
    if len(ids) > BULK_MAX:
        raise ApplicationError(
            _("Act on at most %(count)d mentions at once.") % {"count": BULK_MAX},
            field="mentions",
        )
    if action == Bulk.LINK and incident is None:
        raise ApplicationError(_("Choose the incident to link them to."), field="incident")
    if action == Bulk.NO_REPLY:
        reason = reason_clean(reason, required=_("Say why these mentions need no reply."))
    mentions = list(InboundPost.objects.filter(pk__in=ids).order_by("pk"))
    if len(mentions) != len(ids):
        raise ApplicationError(
            _("Some of the chosen mentions are gone; reload the queue."), field="mentions"
        )
    for mention in mentions:
        try:
            if action == Bulk.ASSIGN:
                mention_assign(actor=actor, mention=mention, assignee=assignee)
            elif action == Bulk.LINK:
                mention_link(actor=actor, mention=mention, incident=incident)
            else:
                status = {Bulk.ESCALATE: T.ESCALATED}.get(Bulk(action), action)
                mention_triage(actor=actor, mention=mention, status=status, reason=reason)
        except ApplicationError as exc:
            raise ApplicationError(
                _("Nothing was changed. The mention from %(who)s: %(problem)s")
                % {"who": _who(mention), "problem": exc.message},
                field=exc.field,
            ) from exc
    return len(mentions)


def _require_open(incident: Incident) -> None:
    if not incident.is_editable:
        raise ApplicationError(
            _("%(reference)s is %(status)s; link the mention to an incident that is still open.")
            % {"reference": incident.reference, "status": incident.get_status_display().lower()},
            field="incident",
        )


def _linked_text(mention: InboundPost) -> str:
    return _("Mention from %(who)s (%(followers)s followers, %(decision)s): %(text)s") % {
        "who": _who(mention),
        "followers": f"{mention.author_followers:,}",
        "decision": T(mention.triage).label.lower(),
        "text": mention.text,
    }


@transaction.atomic
def mention_link(*, actor: User, mention: InboundPost, incident: Incident | None) -> InboundPost:
    """Attach the mention to an incident (or move it to another; None: detach it). The
    incident's timeline shows the mention from then on; a move is on both timelines."""
    require(actor, TRIAGE_MENTIONS)
    mention = _locked(mention)
    if incident is not None:
        _require_open(incident)
        crossed = drill_line_crossed(incident=incident, mention=mention)
        if crossed:
            raise ApplicationError(crossed, field="incident")
    if (incident.pk if incident else None) == mention.incident_id:
        return mention
    previous = mention.incident
    mention.incident = incident
    mention.save(update_fields=["incident"])
    if previous is not None:
        _event(
            mention,
            actor,
            (
                _("Mention from %(who)s moved to %(reference)s")
                % {"who": _who(mention), "reference": incident.reference}
                if incident
                else _("Mention from %(who)s unlinked from this incident") % {"who": _who(mention)}
            ),
            incident=previous,
            linked=False,
        )
    if incident is not None:
        _event(
            mention,
            actor,
            _linked_text(mention),
            linked=True,
            followers=mention.author_followers,
            previous=previous.reference if previous else None,
        )
    if mention.triage in (T.NEEDS_REPLY, T.ESCALATED):
        _reply_deadline_sync(mention)  # on the policy of the incident it now belongs to
    return mention


def mention_mark_replied(*, mention: InboundPost, reply: Any, at: datetime) -> InboundPost:
    """A reply to the mention was published from Crisis Desk (publishing calls this in the
    transaction that records the post): the mention is replied, in its history and on the
    reply's incident's timeline."""
    InboundPost.objects.filter(pk=mention.pk).update(triage=T.REPLIED, triaged_at=at)
    live.bump(*live.keys_of(mention))  # an update sends no save signal
    mention.triage = T.REPLIED
    mention.triaged_at = at
    _reply_deadline_sync(mention)
    mention_event_record(
        mention=mention,
        actor=None,
        text=_("Mention from @%(who)s replied") % {"who": mention.author_handle},
        incident=reply.incident,
        message=reply.pk,
    )
    return mention


def mention_mark_gone(*, mention: InboundPost, at: datetime, words: str) -> InboundPost:
    """X said the mention is deleted or no longer visible (publishing a reply to it): it is
    marked gone, once, in its history and on its incident's timeline. No reply to it can go
    out any more (communications.messaging.preflight)."""
    if mention.gone_at is not None:
        return mention
    InboundPost.objects.filter(pk=mention.pk).update(gone_at=at)
    live.bump(*live.keys_of(mention))  # an update sends no save signal
    mention.gone_at = at
    mention_event_record(
        mention=mention,
        actor=None,
        text=_("Post by @%(who)s is gone from X: %(words)s")
        % {"who": mention.author_handle, "words": words},
        incident=mention.incident,
    )
    return mention


def _post_id(url: str) -> tuple[str, str]:
    match = POST_URL.match((url or "").strip())
    if not match:
        raise ApplicationError(
            _("Give the post's link, like https://x.com/handle/status/123."), field="url"
        )
    handle = match.group("handle")
    return match.group("id"), "" if handle == "i" else handle


@transaction.atomic
def mention_add_manual(
    *,
    actor: User,
    account: SocialAccount,
    url: str,
    text: str,
    author_handle: str = "",
    author_name: str = "",
    author_followers: int = 0,
    posted_at: datetime | None = None,
    incident: Incident | None = None,
) -> InboundPost:
    """Put a post someone reported (customer care, a colleague) into the queue by hand."""
    require(actor, TRIAGE_MENTIONS)
    external_id, url_handle = _post_id(url)
    text = (text or "").strip()
    if not text:
        raise ApplicationError(_("Copy the post's text."), field="text")
    if len(text) > TEXT_MAX_LENGTH:
        raise ApplicationError(
            _("Keep the text within %(count)d characters.") % {"count": TEXT_MAX_LENGTH},
            field="text",
        )
    handle = (author_handle or "").strip().lstrip("@") or url_handle
    if handle and not HANDLE.fullmatch(handle):
        raise ApplicationError(
            _("An X handle has 1 to 15 letters, digits or underscores."), field="author_handle"
        )
    if author_followers < 0 or author_followers > 2**31 - 1:
        raise ApplicationError(_("Give the number of followers."), field="author_followers")
    now = timezone.now()
    if posted_at is not None and timezone.is_naive(posted_at):
        raise ApplicationError(_("Give the time with its timezone."), field="posted_at")
    if posted_at is not None and posted_at > now + timedelta(minutes=1):
        raise ApplicationError(_("The post cannot be from the future."), field="posted_at")
    if not account.is_active:
        raise ApplicationError(_("This account is switched off."), field="account")
    if incident is not None:
        _require_open(incident)
        if is_rehearsal(incident) != is_rehearsal(account):
            raise ApplicationError(
                _("Put a drill's posts on its drill account, and real posts on a real account."),
                field="incident",
            )
    posted_at = posted_at or now
    mention = InboundPost(
        external_id=external_id,
        account=account,
        origin=InboundPost.Origin.MANUAL,
        author_handle=handle,
        author_name=" ".join((author_name or "").split())[:100],
        author_followers=author_followers,
        text=text,
        url=f"https://x.com/{handle or 'i'}/status/{external_id}",
        posted_at=posted_at,
        fetched_at=now,
        reply_due_at=reply_due_at(posted_at=posted_at, followers=author_followers),
        incident=incident,
    )
    try:
        with transaction.atomic():
            mention.save()
    except IntegrityError:
        raise Conflict(_("This post is already in the mentions queue."), field="url") from None
    volume_count_again(account_id=account.pk, moments=[posted_at])
    _event(mention, actor, _linked_text(mention), linked=True, manual=True)
    return mention
