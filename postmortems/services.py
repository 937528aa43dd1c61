"""Writing a postmortem and following up its action items.

The postmortems layer reads the others through their models and selectors and writes only its
own rows; the deadlines it owes (the review, each action item) go through the response
schedule's engine, and its news through the teams notification service.
"""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Conflict
from config.people import User, person_require_active
from config.permissions import PUBLISH_POSTMORTEM, WORK_ACTION_ITEMS, WRITE_POSTMORTEM, require
from incidents.models import Category, Incident, Status, TimelineEvent
from incidents.services import incident_lock, timeline_event_record
from teams.models import Deadline, Reason
from teams.schedule import engine as schedule
from teams.selectors import crisis_lead_of
from teams.services import notify

from . import facts
from .measures import PostmortemFacts
from .models import (
    MAX_WHYS,
    SECTION_MAX_LENGTH,
    SECTIONS,
    ActionItem,
    KeyEvent,
    Postmortem,
    PostmortemRevision,
    ReviewComment,
)

P = Postmortem.Status
REVIEW_WORKING_DAYS = 3
# Due at the end of the owner's working day, in their timezone.
END_OF_DAY = time(17, 0)


def _working_days_after(start: datetime, days: int) -> datetime:
    moment = start
    while days:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment


def _locked(postmortem: Postmortem) -> Postmortem:
    """The postmortem locked after its incident (incidents.services.incident_lock): the order
    closing the incident takes them (postmortems.flows.incident_transition), so a write of the
    postmortem (a correction, say) and a close wait on each other instead of deadlocking, and
    the close reads the postmortem as it is."""
    incident_lock(incident_id=postmortem.incident_id)
    return (
        Postmortem.objects.select_for_update(of=("self",))
        .select_related("incident")
        .get(pk=postmortem.pk)
    )


def postmortem_published_locked(*, incident: Incident) -> bool:
    """Whether the incident's postmortem is published, its row locked until the transaction
    ends (a correction being committed is waited for, and none begins before it ends). The
    caller holds the incident's lock already (incidents.services.incident_lock)."""
    status = (
        Postmortem.objects.select_for_update(no_key=True)
        .filter(incident_id=incident.pk)
        .values_list("status", flat=True)
        .first()
    )
    return status == P.PUBLISHED


def _event(postmortem: Postmortem, actor: User | None, text: str, **data: Any) -> None:
    timeline_event_record(
        incident=postmortem.incident,
        actor=actor,
        kind=TimelineEvent.Kind.POSTMORTEM,
        text=text,
        data={"postmortem": postmortem.pk, **data},
    )


def _plan_review(postmortem: Postmortem) -> None:
    schedule.deadline_plan(
        kind=Deadline.Kind.POSTMORTEM_REVIEW,
        subject=f"postmortem:{postmortem.pk}",
        title=_("%(reference)s: postmortem ready for review")
        % {"reference": postmortem.incident.reference},
        due_at=_working_days_after(postmortem.created_at, REVIEW_WORKING_DAYS),
        incident=postmortem.incident,
        owner=postmortem.owner,
        url=postmortem.get_absolute_url(),
    )


@transaction.atomic
def postmortem_start(*, actor: User | None, incident: Incident) -> Postmortem:
    """The incident's postmortem as a draft (the existing one if it has one): owned by the
    crisis lead, its review due a few working days later through the response schedule."""
    if actor is not None:
        require(actor, WRITE_POSTMORTEM)
    existing = Postmortem.objects.filter(incident=incident).first()
    if existing is not None:
        return existing
    if incident.status == Status.DECLINED:
        raise Conflict(_("A false alarm has no postmortem."))
    postmortem = Postmortem.objects.create(
        incident=incident, owner=crisis_lead_of(incident=incident) or actor
    )
    _plan_review(postmortem)
    _event(postmortem, actor, _("Postmortem started (draft)"))
    return postmortem


def _require_editable(postmortem: Postmortem) -> None:
    if postmortem.is_published:
        raise Conflict(
            _("A published postmortem is read-only: begin a correction to change it."),
        )


def _clean_section(value: Any, field: str) -> str:
    text = "" if value is None else str(value)
    if "\x00" in text:
        raise ApplicationError(_("Remove the NUL character: it cannot be stored."), field=field)
    if len(text) > SECTION_MAX_LENGTH:
        raise ApplicationError(
            _("Keep a section under %(max)d characters.") % {"max": SECTION_MAX_LENGTH},
            field=field,
        )
    return text.strip()


@transaction.atomic
def postmortem_update(*, actor: User, postmortem: Postmortem, **changes: Any) -> Postmortem:
    """Change the sections given (Markdown), the root cause category and the five whys; all
    or nothing, while it is not published."""
    require(actor, WRITE_POSTMORTEM)
    postmortem = _locked(postmortem)
    _require_editable(postmortem)
    known = {field for field, _title in SECTIONS}
    for field, value in changes.items():
        if field in known:
            setattr(postmortem, field, _clean_section(value, field))
        elif field == "root_cause_category":
            if value not in ("", None, *Category.values):
                raise ApplicationError(_("Choose one of the crisis causes."), field=field)
            postmortem.root_cause_category = value or ""
        elif field == "five_whys":
            if isinstance(value, str) or not isinstance(value, Iterable):
                raise ApplicationError(_("Give the whys as a list."), field=field)
            whys = [_clean_section(why, field) for why in value]
            whys = [why for why in whys if why]
            if len(whys) > MAX_WHYS:
                raise ApplicationError(_("At most %(max)d whys.") % {"max": MAX_WHYS}, field=field)
            postmortem.five_whys = whys
        else:
            raise ApplicationError(_("Unknown field."), field=field)
    postmortem.save()
    return postmortem


@transaction.atomic
def postmortem_submit_review(
    *, actor: User, postmortem: Postmortem, reviewers: Iterable[User]
) -> Postmortem:
    """Ask named people to review the draft; they are told."""
    require(actor, WRITE_POSTMORTEM)
    postmortem = _locked(postmortem)
    if postmortem.status != P.DRAFT:
        raise Conflict(_("Only a draft is submitted for review."))
    people = [person_require_active(person, field="reviewers") for person in reviewers]
    if not people:
        raise ApplicationError(_("Name at least one reviewer."), field="reviewers")
    postmortem.status = P.IN_REVIEW
    postmortem.submitted_at = timezone.now()
    postmortem.save()
    postmortem.reviewers.set(people)
    notify(
        recipients=people,
        reason=Reason.APPROVAL_REQUESTED,
        subject=f"postmortem:{postmortem.pk}:review:{postmortem.revision}",
        title=lambda _zone: (
            _("%(reference)s: a postmortem waits for your review")
            % {"reference": postmortem.incident.reference}
        ),
        url=postmortem.get_absolute_url(),
        incident=postmortem.incident,
    )
    _event(
        postmortem,
        actor,
        _("Postmortem submitted for review to %(people)s")
        % {"people": ", ".join(str(p) for p in people)},
    )
    return postmortem


@transaction.atomic
def review_comment_add(
    *, actor: User, postmortem: Postmortem, text: str, section: str = ""
) -> ReviewComment:
    require(actor, WRITE_POSTMORTEM)
    text = _clean_section(text, "text")
    if not text:
        raise ApplicationError(_("Write the comment first."), field="text")
    if section and section not in {field for field, _title in SECTIONS}:
        raise ApplicationError(_("Choose a section of the postmortem."), field="section")
    return ReviewComment.objects.create(
        postmortem=postmortem,
        author=actor,
        section=section,
        text=text,
        revision=postmortem.revision,
    )


def _content(postmortem: Postmortem) -> dict[str, Any]:
    return {
        "sections": {field: getattr(postmortem, field) for field, _title in SECTIONS},
        "root_cause_category": postmortem.root_cause_category,
        "five_whys": list(postmortem.five_whys),
        "facts": postmortem.facts,
    }


@transaction.atomic
def postmortem_publish(*, actor: User, postmortem: Postmortem) -> Postmortem:
    """Publish a reviewed postmortem: its facts are frozen as they are now and the revision
    is kept whole."""
    require(actor, PUBLISH_POSTMORTEM)
    postmortem = _locked(postmortem)
    if postmortem.status != P.IN_REVIEW:
        raise Conflict(_("A postmortem is published after its review."))
    if not postmortem.summary:
        raise ApplicationError(_("Write the summary before publishing."), field="summary")
    now = timezone.now()
    postmortem.facts = facts.compute(postmortem.incident)
    postmortem.status = P.PUBLISHED
    postmortem.published_at = now
    postmortem.published_by = actor
    postmortem.save()
    PostmortemRevision.objects.create(
        postmortem=postmortem,
        number=postmortem.revision,
        content=_content(postmortem),
        published_at=now,
        published_by=actor,
    )
    schedule.deadlines_meet(
        kind=Deadline.Kind.POSTMORTEM_REVIEW, subject=f"postmortem:{postmortem.pk}"
    )
    _event(
        postmortem, actor, _("Postmortem published (revision %(n)d)") % {"n": postmortem.revision}
    )
    return postmortem


@transaction.atomic
def postmortem_correct(*, actor: User, postmortem: Postmortem, reason: str) -> Postmortem:
    """Begin a correction of a published postmortem: a new draft revision; the published one
    stays in the history with the reason."""
    require(actor, PUBLISH_POSTMORTEM)
    postmortem = _locked(postmortem)
    if not postmortem.is_published:
        raise Conflict(_("Only a published postmortem is corrected."))
    reason = _clean_section(reason, "reason")
    if not reason:
        raise ApplicationError(_("Say what the correction is for."), field="reason")
    PostmortemRevision.objects.filter(postmortem=postmortem, number=postmortem.revision).update(
        correction=reason
    )
    postmortem.revision += 1
    postmortem.status = P.DRAFT
    postmortem.submitted_at = None
    postmortem.published_at = None
    postmortem.published_by = None
    postmortem.save()
    _event(
        postmortem,
        actor,
        _("Postmortem correction begun (revision %(n)d): %(reason)s")
        % {"n": postmortem.revision, "reason": reason},
    )
    return postmortem


def postmortem_facts(postmortem: Postmortem) -> PostmortemFacts:
    """The facts a reader sees: frozen once published, current while it is written."""
    if postmortem.is_published and postmortem.facts:
        return postmortem.facts
    return facts.compute(postmortem.incident)


@transaction.atomic
def key_event_set(*, actor: User, postmortem: Postmortem, event: TimelineEvent, key: bool) -> bool:
    """Mark (or unmark) a timeline event of the incident for the report."""
    require(actor, WRITE_POSTMORTEM)
    _require_editable(postmortem)
    if event.incident_id != postmortem.incident_id:
        raise ApplicationError(_("That event belongs to another incident."), field="event")
    if key:
        KeyEvent.objects.get_or_create(
            postmortem=postmortem, event=event, defaults={"marked_by": actor}
        )
    else:
        KeyEvent.objects.filter(postmortem=postmortem, event=event).delete()
    return key


# --- action items ---------------------------------------------------------------------------


def _due_at(item: ActionItem) -> datetime:
    zone = ZoneInfo(getattr(item.owner, "timezone", "") or "UTC")
    return datetime.combine(item.due_date, END_OF_DAY, tzinfo=zone)


def _item_deadline_sync(item: ActionItem) -> None:
    subject = f"action-item:{item.pk}"
    kind = Deadline.Kind.ACTION_ITEM
    if item.status == ActionItem.Status.DONE:
        schedule.deadlines_meet(kind=kind, subject=subject)
    elif item.status == ActionItem.Status.WONT_DO:
        schedule.deadlines_cancel(kind=kind, subject=subject, reason=_("Will not be done."))
    else:
        schedule.deadline_plan(
            kind=kind,
            subject=subject,
            title=_("%(reference)s action item: %(title)s")
            % {"reference": item.postmortem.incident.reference, "title": item.title},
            due_at=_due_at(item),
            incident=item.postmortem.incident,
            owner=item.owner,
            url=item.postmortem.get_absolute_url(),
        )


def _is_web_link(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. "http://[::1" — an unbalanced IPv6 bracket
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _clean_item(
    *,
    title: Any,
    owner: User | None,
    due_date: Any,
    priority: Any,
    kind: Any,
    status: Any,
    follow_up_url: Any,
) -> dict[str, Any]:
    title = _clean_section(title, "title")
    if not title:
        raise ApplicationError(_("Give the action item a title."), field="title")
    if len(title) > 200:
        raise ApplicationError(_("Keep the title under 200 characters."), field="title")
    if owner is None:
        raise ApplicationError(_("Name who owns it."), field="owner")
    owner = person_require_active(owner, field="owner")
    if not isinstance(due_date, date) or isinstance(due_date, datetime):
        raise ApplicationError(_("Give a due date."), field="due_date")
    if not date(2000, 1, 1) <= due_date <= date(2100, 12, 31):
        raise ApplicationError(_("Give a due date in this century."), field="due_date")
    if priority not in ActionItem.Priority.values:
        raise ApplicationError(_("Choose high, medium or low."), field="priority")
    if kind not in ActionItem.Kind.values:
        raise ApplicationError(
            _("Choose prevent, detect, mitigate, process or training."), field="kind"
        )
    if status not in ActionItem.Status.values:
        raise ApplicationError(_("Choose a status."), field="status")
    url = _clean_section(follow_up_url, "follow_up_url")
    if url and not _is_web_link(url):
        raise ApplicationError(_("Give an http(s) link."), field="follow_up_url")
    if len(url) > 500:
        raise ApplicationError(_("Keep the link under 500 characters."), field="follow_up_url")
    return {
        "title": title,
        "owner": owner,
        "due_date": due_date,
        "priority": priority,
        "kind": kind,
        "status": status,
        "follow_up_url": url,
    }


@transaction.atomic
def action_item_add(
    *,
    actor: User,
    postmortem: Postmortem,
    title: str,
    owner: User | None,
    due_date: date,
    kind: str,
    priority: str = ActionItem.Priority.MEDIUM,
    follow_up_url: str = "",
) -> ActionItem:
    """Add an action item; its due date becomes a deadline of its owner (reminded before,
    escalated after)."""
    require(actor, WORK_ACTION_ITEMS)
    fields = _clean_item(
        title=title,
        owner=owner,
        due_date=due_date,
        priority=priority,
        kind=kind,
        status=ActionItem.Status.OPEN,
        follow_up_url=follow_up_url,
    )
    item = ActionItem.objects.create(postmortem=postmortem, created_by=actor, **fields)
    _item_deadline_sync(item)
    if item.owner.pk != actor.pk:
        notify(
            recipients=[item.owner],
            reason=Reason.CHECKLIST_ASSIGNED,
            subject=f"action-item:{item.pk}:{item.owner.pk}",
            title=lambda _zone: (
                _("%(reference)s: action item for you: %(title)s")
                % {"reference": postmortem.incident.reference, "title": item.title}
            ),
            url=postmortem.get_absolute_url(),
            incident=postmortem.incident,
        )
    return item


@transaction.atomic
def action_item_update(*, actor: User, item: ActionItem, **changes: Any) -> ActionItem:
    """Change what is given (title, owner, due date, priority, kind, status, link)."""
    require(actor, WORK_ACTION_ITEMS)
    incident_lock(incident_id=item.postmortem.incident_id)  # first, as closing it does
    item = (
        ActionItem.objects.select_for_update(of=("self", "postmortem"))
        .select_related("postmortem__incident")
        .get(pk=item.pk)
    )
    unknown = set(changes) - {
        "title", "owner", "due_date", "priority", "kind", "status", "follow_up_url"
    }  # fmt: skip
    if unknown:
        raise ApplicationError(_("Unknown field."), field=sorted(unknown)[0])
    current: dict[str, Any] = {
        "title": item.title,
        "owner": item.owner,
        "due_date": item.due_date,
        "priority": item.priority,
        "kind": item.kind,
        "status": item.status,
        "follow_up_url": item.follow_up_url,
    }
    fields = _clean_item(**(current | changes))
    was_open = item.is_open
    for name, value in fields.items():
        setattr(item, name, value)
    if was_open and not item.is_open:
        item.closed_at = timezone.now()
    elif item.is_open:
        item.closed_at = None
    item.save()
    _item_deadline_sync(item)
    return item
