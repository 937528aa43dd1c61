"""Response policies: how fast the team answers at each severity, whom it tells when it does
not, and the frozen copy an incident runs on.

Every reader of a policy asks here: the engine for an incident's chain, the communications for
how many approvals a message needs and how soon a mention is answered.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from config.people import User
from config.permissions import MANAGE_POLICIES, require
from incidents.models import Incident

from ..catalogue import POLICY_DEFAULTS
from ..models import EscalationStep, IncidentPlan, ResponsePolicy, Role
from ..models.schedule import MAX_REPEATS, TARGET_ON_CALL, TARGETS

# A policy's longest duration: a week. Longer is a typo, not a promise.
MAX_MINUTES = 7 * 24 * 60
MAX_STEPS = 10
MAX_APPROVALS = 5


def policy_snapshot(policy: ResponsePolicy) -> dict[str, Any]:
    """The policy as the plain data an incident keeps (and the engine reads)."""
    return {
        "severity": policy.severity,
        "acknowledge_minutes": policy.acknowledge_minutes,
        "statement_minutes": policy.statement_minutes,
        "update_minutes": policy.update_minutes,
        "mention_reply_minutes": policy.mention_reply_minutes,
        "mention_reply_by_reach": {
            str(followers): int(minutes)
            for followers, minutes in policy.mention_reply_by_reach.items()
        },
        "approvals_required": policy.approvals_required,
        "repeat_minutes": policy.repeat_minutes,
        "repeat_times": policy.repeat_times,
        "steps": [
            {"offset_minutes": step.offset_minutes, "targets": list(step.targets)}
            for step in policy.steps.order_by("position")
        ],
    }


def policy_for_severity(severity: int) -> dict[str, Any]:
    """The current policy of a severity as data. Declaring never fails for want of a policy:
    a severity without one runs on the catalogue's default (teams.catalogue)."""
    policy = ResponsePolicy.objects.filter(severity=severity).first()
    if policy is not None:
        return policy_snapshot(policy)
    defaults = POLICY_DEFAULTS.get(severity) or POLICY_DEFAULTS[4]
    return {
        "severity": severity,
        "acknowledge_minutes": defaults["acknowledge_minutes"],
        "statement_minutes": defaults["statement_minutes"],
        "update_minutes": defaults["update_minutes"],
        "mention_reply_minutes": settings.MENTION_REPLY_MINUTES,
        "mention_reply_by_reach": {
            str(k): int(v) for k, v in settings.MENTION_REPLY_MINUTES_BY_REACH.items()
        },
        "approvals_required": max(1, int(settings.APPROVALS_REQUIRED.get(severity, 1))),
        "repeat_minutes": defaults["repeat_minutes"],
        "repeat_times": defaults["repeat_times"],
        "steps": [
            {"offset_minutes": offset, "targets": list(targets)}
            for offset, targets in defaults["steps"]
        ],
    }


def incident_policy(incident: Incident | None) -> dict[str, Any]:
    """The policy an incident runs on: its frozen copy; outside any incident (a mention not
    linked to one) the policy of the least severe level."""
    if incident is None:
        return policy_for_severity(4)
    plan = IncidentPlan.objects.filter(incident_id=incident.pk).first()
    if plan is not None:
        return dict(plan.policy)
    return policy_for_severity(incident.severity)


@transaction.atomic
def incident_plan_copy(*, incident: Incident) -> IncidentPlan:
    """Copy the policy of the incident's current severity onto it (at declaring, and again
    when its severity changes)."""
    snapshot = policy_for_severity(incident.severity)
    plan, _created = IncidentPlan.objects.update_or_create(
        incident=incident,
        defaults={"severity": incident.severity, "policy": snapshot, "copied_at": timezone.now()},
    )
    return plan


def approvals_required(incident: Incident) -> int:
    """How many approvals an outgoing message of this incident needs."""
    return max(1, int(incident_policy(incident)["approvals_required"]))


def mention_reply_minutes(policy: dict[str, Any], followers: int) -> int:
    """Within how many minutes a mention from an author with ``followers`` is answered: the
    policy's time, sooner for a wider reach."""
    minutes = int(policy["mention_reply_minutes"])
    by_reach = sorted(
        ((int(f), int(m)) for f, m in policy["mention_reply_by_reach"].items()), reverse=True
    )
    for threshold, sooner in by_reach:
        if followers >= threshold:
            return min(minutes, sooner)
    return minutes


def mention_reply_due(
    *,
    posted_at: datetime,
    followers: int,
    incident: Incident | None = None,
    policy: dict[str, Any] | None = None,
) -> datetime:
    """When a reply to a mention is due (mention_reply_minutes of the incident's policy, or of
    ``policy`` when the caller read it once for many mentions)."""
    minutes = mention_reply_minutes(policy or incident_policy(incident), followers)
    return posted_at + timedelta(minutes=minutes)


# --- editing ------------------------------------------------------------------------------


def target_choices() -> list[tuple[str, str]]:
    """Whom a step can notify, as (value, label): the fixed targets and on call per role."""
    choices = [(value, str(label)) for value, label in TARGETS.items()]
    for role in Role.objects.order_by("position"):
        choices.append((TARGET_ON_CALL + role.slug, _("on call: %(role)s") % {"role": role.name}))
    return choices


def _minutes(value: Any, field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ApplicationError(_("Give a whole number of minutes."), field=field) from None
    if not 0 < number <= MAX_MINUTES:
        raise ApplicationError(
            _("Give a duration between 1 minute and a week (%(max)d minutes).")
            % {"max": MAX_MINUTES},
            field=field,
        )
    return number


def _whole(value: Any, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApplicationError(_("Give a whole number."), field=field) from None


def _optional_minutes(value: Any, field: str) -> int | None:
    return None if value in (None, "") else _minutes(value, field)


def _by_reach(value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise ApplicationError(
            _("Give followers → minutes pairs, e.g. 10000=15."), field="mention_reply_by_reach"
        )
    cleaned: dict[str, int] = {}
    for followers, minutes in value.items():
        try:
            count = int(followers)
        except (TypeError, ValueError):
            raise ApplicationError(
                _("Followers must be a whole number."), field="mention_reply_by_reach"
            ) from None
        if not 0 < count <= 10**10:
            raise ApplicationError(
                _("Followers must be a positive number."), field="mention_reply_by_reach"
            )
        cleaned[str(count)] = _minutes(minutes, "mention_reply_by_reach")
    return cleaned


def _steps(steps: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A chain that ends and makes sense: one to ten steps in time order, each notifying someone,
    at least one at or after the due time (a chain of reminders alone escalates nobody)."""
    known = {value for value, _label in target_choices()}
    cleaned: list[dict[str, Any]] = []
    for number, step in enumerate(steps, start=1):
        try:
            offset = int(step.get("offset_minutes"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ApplicationError(
                _("Step %(n)d: give its minutes from the due time.") % {"n": number},
                field="steps",
            ) from None
        if abs(offset) > MAX_MINUTES:
            raise ApplicationError(
                _("Step %(n)d: at most a week from the due time.") % {"n": number}, field="steps"
            )
        targets = step.get("targets") or []
        if isinstance(targets, str) or not isinstance(targets, Iterable):
            targets = [targets]
        targets = list(dict.fromkeys(str(t) for t in targets))
        if not targets:
            raise ApplicationError(
                _("Step %(n)d: choose whom it notifies.") % {"n": number}, field="steps"
            )
        unknown = [t for t in targets if t not in known]
        if unknown:
            raise ApplicationError(
                _("Step %(n)d: unknown recipient %(who)s.") % {"n": number, "who": unknown[0]},
                field="steps",
            )
        if cleaned and offset <= cleaned[-1]["offset_minutes"]:
            raise ApplicationError(
                _("Step %(n)d must come after the step before it.") % {"n": number},
                field="steps",
            )
        cleaned.append({"offset_minutes": offset, "targets": targets})
    if not cleaned:
        raise ApplicationError(_("A chain needs at least one step."), field="steps")
    if len(cleaned) > MAX_STEPS:
        raise ApplicationError(
            _("A chain has at most %(max)d steps.") % {"max": MAX_STEPS}, field="steps"
        )
    if cleaned[-1]["offset_minutes"] < 0:
        raise ApplicationError(
            _("The chain needs a step at or after the due time: reminders alone escalate nobody."),
            field="steps",
        )
    return cleaned


@transaction.atomic
def policy_update(
    *, actor: User, policy: ResponsePolicy, steps: Iterable[Mapping[str, Any]], **fields: Any
) -> ResponsePolicy:
    """Change a policy and its chain, all or nothing. Running incidents keep their copy."""
    require(actor, MANAGE_POLICIES)
    policy = ResponsePolicy.objects.select_for_update().get(pk=policy.pk)
    policy.acknowledge_minutes = _minutes(
        fields.get("acknowledge_minutes", policy.acknowledge_minutes), "acknowledge_minutes"
    )
    policy.statement_minutes = _optional_minutes(
        fields.get("statement_minutes", policy.statement_minutes), "statement_minutes"
    )
    policy.update_minutes = _optional_minutes(
        fields.get("update_minutes", policy.update_minutes), "update_minutes"
    )
    policy.mention_reply_minutes = _minutes(
        fields.get("mention_reply_minutes", policy.mention_reply_minutes), "mention_reply_minutes"
    )
    policy.mention_reply_by_reach = _by_reach(
        fields.get("mention_reply_by_reach", policy.mention_reply_by_reach)
    )
    policy.repeat_minutes = _minutes(
        fields.get("repeat_minutes", policy.repeat_minutes), "repeat_minutes"
    )
    approvals = _whole(
        fields.get("approvals_required", policy.approvals_required), "approvals_required"
    )
    repeats = _whole(fields.get("repeat_times", policy.repeat_times), "repeat_times")
    if not 1 <= approvals <= MAX_APPROVALS:
        raise ApplicationError(
            _("An outgoing message needs between 1 and %(max)d approvals.")
            % {"max": MAX_APPROVALS},
            field="approvals_required",
        )
    if not 0 <= repeats <= MAX_REPEATS:
        raise ApplicationError(
            _("Repeat the last step between 0 and %(max)d times.") % {"max": MAX_REPEATS},
            field="repeat_times",
        )
    policy.approvals_required = approvals
    policy.repeat_times = repeats
    chain = _steps(steps)
    policy.updated_by = actor
    policy.save()
    policy.steps.all().delete()
    EscalationStep.objects.bulk_create(
        EscalationStep(
            policy=policy, position=n, offset_minutes=s["offset_minutes"], targets=s["targets"]
        )
        for n, s in enumerate(chain)
    )
    return policy


def target_label(target: str) -> str:
    if target.startswith(TARGET_ON_CALL):
        slug = target.removeprefix(TARGET_ON_CALL)
        role = Role.objects.filter(slug=slug).first()
        return _("on call: %(role)s") % {"role": role.name if role else slug}
    return str(TARGETS.get(target, target))
