"""Writing the risk register: a risk recorded or changed (each change kept with its fields
before and after), its review date kept as a deadline of its owner, its mitigations, and the
incidents that realised it."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from config.people import User
from config.permissions import MANAGE_RISKS, require
from incidents.models import Category, Incident, TimelineEvent
from incidents.services import timeline_event_record
from teams.models import Deadline, Mitigation, Playbook, Risk, RiskChange
from teams.models.risk_rules import SCALE
from teams.schedule import engine

UNCHANGED: Any = object()
TRACKED = (
    "title",
    "description",
    "category",
    "likelihood",
    "impact",
    "owner",
    "early_warning_signs",
    "watch_terms",
    "review_at",
    "status",
    "playbook",
)
MAX_WATCH_TERMS = 20
MAX_WATCH_TERM_LENGTH = 100


def _shown(value: Any) -> Any:
    """A field's value as the history keeps it (JSON)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return value


def _clean(fields: dict[str, Any], risk: Risk | None = None) -> dict[str, Any]:
    if "title" in fields:
        fields["title"] = (fields["title"] or "").strip()
        if not fields["title"]:
            raise ApplicationError(_("Give the risk a title."), field="title")
        if len(fields["title"]) > 200:
            raise ApplicationError(_("Keep the title under 200 characters."), field="title")
    if "category" in fields and fields["category"] not in Category.values:
        raise ApplicationError(_("Choose one of the categories."), field="category")
    for name in ("likelihood", "impact"):
        if name in fields and (type(fields[name]) is not int or fields[name] not in SCALE):
            raise ApplicationError(_("Rate it from 1 to 5."), field=name)
    if "status" in fields and fields["status"] not in Risk.Status.values:
        raise ApplicationError(_("Choose one of the statuses."), field="status")
    if "owner" in fields and (fields["owner"] is None or not fields["owner"].is_active):
        raise ApplicationError(_("Choose an owner who can still sign in."), field="owner")
    if "review_at" in fields and fields["review_at"] is None:
        raise ApplicationError(_("Say when the risk is reviewed next."), field="review_at")
    if "playbook" in fields and fields["playbook"] is not None:
        playbook = fields["playbook"]
        kept = risk is not None and risk.playbook_id == getattr(playbook, "pk", None)
        if not isinstance(playbook, Playbook) or (playbook.archived_at is not None and not kept):
            raise ApplicationError(_("Choose a playbook that is not archived."), field="playbook")
    if "watch_terms" in fields:
        terms = [str(term).strip() for term in fields["watch_terms"] or [] if str(term).strip()]
        if len(terms) > MAX_WATCH_TERMS or any(len(t) > MAX_WATCH_TERM_LENGTH for t in terms):
            raise ApplicationError(
                _("At most %(count)d watch terms of up to %(length)d characters each.")
                % {"count": MAX_WATCH_TERMS, "length": MAX_WATCH_TERM_LENGTH},
                field="watch_terms",
            )
        fields["watch_terms"] = list(dict.fromkeys(terms))
    return fields


def _review_sync(risk: Risk) -> None:
    """The review date is a deadline of the risk's owner while the risk is not retired."""
    subject = f"risk:{risk.pk}"
    if risk.status == Risk.Status.RETIRED:
        engine.deadlines_cancel(
            kind=Deadline.Kind.RISK_REVIEW, subject=subject, reason=_("The risk was retired.")
        )
        return
    engine.deadline_plan(
        kind=Deadline.Kind.RISK_REVIEW,
        subject=subject,
        title=_("Review the risk: %(title)s") % {"title": risk.title},
        due_at=risk.review_at,
        owner=risk.owner,
    )


@transaction.atomic
def risk_save(*, actor: User, risk: Risk | None = None, **fields: Any) -> Risk:
    """Record a new risk (every field but description, signs and terms is needed) or change
    one (only the fields given). Each change is kept with its values before and after."""
    require(actor, MANAGE_RISKS)
    unknown = set(fields) - set(TRACKED)
    if unknown:
        raise ValueError(f"not fields of a risk: {sorted(unknown)}")
    fields = _clean({name: value for name, value in fields.items() if value is not UNCHANGED}, risk)
    if risk is None:
        missing = [
            name
            for name in ("title", "category", "likelihood", "impact", "owner", "review_at")
            if name not in fields
        ]
        if missing:
            raise ApplicationError(_("This field is required."), field=missing[0])
        risk = Risk.objects.create(created_by=actor, **fields)
        RiskChange.objects.create(
            risk=risk,
            actor=actor,
            what=_("Recorded"),
            fields={name: [None, _shown(getattr(risk, name))] for name in fields},
        )
        _review_sync(risk)
        return risk
    risk = Risk.objects.select_for_update().get(pk=risk.pk)
    changed = {
        name: [_shown(getattr(risk, name)), _shown(value)]
        for name, value in fields.items()
        if getattr(risk, name) != value
    }
    if not changed:
        return risk
    for name, value in fields.items():
        setattr(risk, name, value)
    risk.save()
    RiskChange.objects.create(risk=risk, actor=actor, what=_("Changed"), fields=changed)
    if {"review_at", "owner", "status", "title"} & set(changed):
        _review_sync(risk)
    return risk


@transaction.atomic
def risk_reviewed(*, actor: User, risk: Risk, next_review_at: datetime, note: str = "") -> Risk:
    """The owner (or anyone who may manage risks) looked at it: the review deadline is met
    and the next one planned."""
    require(actor, MANAGE_RISKS)
    if next_review_at is None or next_review_at <= timezone.now():
        raise ApplicationError(_("The next review must be in the future."), field="review_at")
    risk = Risk.objects.select_for_update().get(pk=risk.pk)
    engine.deadlines_meet(kind=Deadline.Kind.RISK_REVIEW, subject=f"risk:{risk.pk}")
    before = risk.review_at
    risk.review_at = next_review_at
    risk.save(update_fields=["review_at", "updated_at"])
    RiskChange.objects.create(
        risk=risk,
        actor=actor,
        what=(_("Reviewed: %(note)s") % {"note": note.strip()[:250]})
        if note.strip()
        else _("Reviewed"),
        fields={"review_at": [_shown(before), _shown(next_review_at)]},
    )
    _review_sync(risk)
    return risk


@transaction.atomic
def mitigation_save(
    *,
    actor: User,
    risk: Risk,
    mitigation: Mitigation | None = None,
    text: str = UNCHANGED,
    owner: User | None = UNCHANGED,
    status: str = UNCHANGED,
) -> Mitigation:
    require(actor, MANAGE_RISKS)
    if mitigation is not None and mitigation.risk_id != risk.pk:
        raise ApplicationError(_("This mitigation belongs to another risk."))
    if text is not UNCHANGED:
        text = (text or "").strip()
        if not text or len(text) > 300:
            raise ApplicationError(_("Say what is done, in up to 300 characters."), field="text")
    if owner is not UNCHANGED and (owner is None or not owner.is_active):
        raise ApplicationError(_("Choose an owner who can still sign in."), field="owner")
    if status is not UNCHANGED and status not in Mitigation.Status.values:
        raise ApplicationError(_("Choose one of the statuses."), field="status")
    if mitigation is None:
        if text is UNCHANGED or owner is UNCHANGED:
            raise ApplicationError(
                _("This field is required."), field="text" if text is UNCHANGED else "owner"
            )
        mitigation = Mitigation.objects.create(
            risk=risk,
            text=text,
            owner=owner,
            status=Mitigation.Status.PLANNED if status is UNCHANGED else status,
        )
        what = _("Mitigation added: %(text)s") % {"text": text}
    else:
        for name, value in (("text", text), ("owner", owner), ("status", status)):
            if value is not UNCHANGED:
                setattr(mitigation, name, value)
        mitigation.save()
        what = _("Mitigation changed: %(text)s (%(status)s)") % {
            "text": mitigation.text,
            "status": mitigation.get_status_display(),
        }
    RiskChange.objects.create(risk=risk, actor=actor, what=what[:300])
    return mitigation


@transaction.atomic
def risk_realised(*, actor: User, risk: Risk, incident: Incident) -> Risk:
    """The incident is this risk come true: linked both ways, said on the incident's timeline
    and in the risk's history (once)."""
    require(actor, MANAGE_RISKS)
    if risk.incidents.filter(pk=incident.pk).exists():
        return risk
    risk.incidents.add(incident)
    RiskChange.objects.create(
        risk=risk,
        actor=actor,
        what=_("Realised by %(reference)s") % {"reference": incident.reference},
    )
    timeline_event_record(
        incident=incident,
        actor=actor,
        kind=TimelineEvent.Kind.NOTE,
        text=_("This incident realises the risk: %(title)s") % {"title": risk.title},
        data={"risk": risk.pk},
    )
    return risk
