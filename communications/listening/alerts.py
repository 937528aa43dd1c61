"""Listening alerts: raised once per spike of an account's volume (communications.listening
.rules), explained, and either declared as an incident (one flow: the team's declare flow, then
the alert's posts linked as mentions) or dismissed with a reason."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from communications.accounts.models import SocialAccount
from communications.listening.mentions.services import mention_link, reason_clean
from communications.listening.models import Alert, InboundPost
from config.errors import ApplicationError, Conflict
from config.people import User
from config.permissions import DECLARE_INCIDENT, EDIT_INCIDENT, TRIAGE_MENTIONS, require
from config.when import site_zone
from incidents.models import (
    OPEN_STATUSES,
    Category,
    Incident,
    Severity,
    Source,
    TimelineEvent,
)
from incidents.rehearsals import is_rehearsal
from incidents.services import timeline_event_record
from teams.flows import incident_declare
from teams.models import Playbook, Reason, Role
from teams.playbooks.selectors import playbooks_to_declare_from
from teams.risks.selectors import risks_listened_for
from teams.services import notify_role

from . import selectors
from .rules import WORD, Spike, top_words, usual_for

SUGGESTED = object()  # alert_declare's playbook when none is named: the alert's suggestion
WORDS_FROM = 2000  # the widest-reaching posts of the window the top words are read from

# What a room above listening adds to declaring from an alert, without listening knowing that
# room: the drills answer with a drill account's scenario severity and take the incident
# declared from its alert as their drill's (drills.receivers).
severity_wanted = Signal()  # sent with alert=; a receiver answers a severity or None
alert_declared = Signal()  # sent with alert=, incident=, inside the declaring transaction


# Words in an alert's top words that say people may be harmed (English and Turkish): SEV1
# by its definition ("people may be harmed"), whatever the volume.
HARM_WORDS = frozenset(
    {
        "sick", "ill", "poison", "poisoned", "poisoning", "hospital", "hospitalised",
        "hospitalized", "injured", "injury", "hurt", "died", "dead", "death", "burn", "burns",
        "allergic", "overdose", "contaminated", "toxic", "choking", "explosion", "fire",
        "zehir", "zehirlendi", "zehirlenme", "hasta", "hastalandı", "hastane", "hastanelik",
        "yaralandı", "yaralı", "öldü", "ölüm", "yanık", "alerji", "zehirli", "yangın",
        "patlama", "bozuk",
    }
)  # fmt: skip
WIDE_RATIO = 10.0  # this many times the usual, with wide-reach authors: a wide attack (SEV1)
FAST_RATIO = 5.0  # this many times the usual, or wide-reach authors: a major story (SEV2)


def alert_severity_suggested(alert: Alert) -> tuple[int, str]:
    """The severity the alert's own evidence reads as, and why, in the words of the
    severities' definitions (incidents.models.SEVERITY_DESCRIPTIONS): words of harm or a wide
    spike with wide-reach authors, SEV1; wide-reach authors or a fast spike, SEV2; else
    SEV3."""
    harm = [word for word in alert.top_words if str(word).lower() in HARM_WORDS]
    wide = [f"@{author['handle']}" for author in alert.big_authors if author.get("handle")]
    times = _("%(ratio).1f× the usual") % {"ratio": alert.ratio}
    if harm:
        return Severity.SEV1, _("posts speak of harm (%(words)s)") % {"words": ", ".join(harm)}
    if wide and alert.ratio >= WIDE_RATIO:
        return Severity.SEV1, _("%(times)s with wide-reach authors (%(authors)s)") % {
            "times": times,
            "authors": ", ".join(wide[:3]),
        }
    if wide:
        return Severity.SEV2, _("wide-reach authors (%(authors)s)") % {
            "authors": ", ".join(wide[:3])
        }
    if alert.ratio >= FAST_RATIO:
        return Severity.SEV2, _("%(times)s: a fast-growing story") % {"times": times}
    return Severity.SEV3, _("%(times)s, no wide-reach author, no word of harm") % {"times": times}


def alert_severity_and_reason(alert: Alert) -> tuple[int, str]:
    """The severity an incident declared from this alert starts at when the declarer gives
    none (and the declare form's choice), before any playbook's usual one, and why: a
    drill's, its scenario's; else what the alert's evidence reads as
    (alert_severity_suggested)."""
    for _receiver, severity in severity_wanted.send(sender=Alert, alert=alert):
        if severity is not None:
            return int(severity), _("the drill's scenario")
    return alert_severity_suggested(alert)


def alert_severity(alert: Alert) -> int:
    return alert_severity_and_reason(alert)[0]


def accounts_to_evaluate() -> list[int]:
    """Every active account: those polled from X and those whose posts are added by hand."""
    return list(
        SocialAccount.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    )


def alerts_evaluate(
    *, end: datetime | None = None, account_ids: Iterable[int] | None = None
) -> int:
    """Measure the window ending now on each account and raise an alert for each new spike.
    Returns how many alerts were raised (the beat's task and each poll call this)."""
    end = end or timezone.now()
    ids = accounts_to_evaluate() if account_ids is None else list(account_ids)
    return sum(1 for account_id in ids if alert_evaluate(account_id=account_id, end=end))


def alert_evaluate(*, account_id: int, end: datetime) -> Alert | None:
    """One account's window against its usual level: a new spike raises an alert (and tells
    the on-call communications lead); a spike already alerted only raises its peak; an alert's
    spike ends once a whole window has passed without one. Returns the alert raised, if any.

    Evaluating twice, or from two workers at once, raises one alert: at most one alert per
    account has a spike that has not ended (a partial unique constraint), and the row is
    locked while it is looked at."""
    posts, _usual, found = selectors.window_measure(account_id=account_id, end=end)
    start, end = selectors.window_bounds(end)
    with transaction.atomic():
        ongoing = (
            Alert.objects.select_for_update()
            .filter(account_id=account_id, spike_ended_at__isnull=True)
            .first()
        )
        if ongoing is not None:
            if found is not None:
                ongoing.peak_posts = max(ongoing.peak_posts, posts)
                ongoing.last_spiking_at = max(ongoing.last_spiking_at, end)
                ongoing.save(update_fields=["peak_posts", "last_spiking_at"])
            elif ongoing.last_spiking_at <= start:
                ongoing.spike_ended_at = end
                ongoing.save(update_fields=["spike_ended_at"])
            return None
        if found is None:
            return None
        try:
            with transaction.atomic():
                alert = _alert_raise(account_id=account_id, start=start, end=end, spike=found)
        except IntegrityError:
            return None  # another worker raised this spike's alert a moment ago
    return alert


def _alert_raise(*, account_id: int, start: datetime, end: datetime, spike: Spike) -> Alert:
    account = SocialAccount.objects.get(pk=account_id)
    in_window = InboundPost.objects.filter(
        account_id=account_id, posted_at__gte=start, posted_at__lt=end
    )
    big = settings.LISTENING_WIDE_REACH
    big_authors: dict[str, int] = {}
    for handle, followers in (
        in_window.filter(author_followers__gt=big)
        .order_by("-author_followers")
        .values_list("author_handle", "author_followers")
    ):
        big_authors.setdefault(handle or "?", followers)
    words = top_words(
        in_window.order_by("-author_followers").values_list("text", flat=True)[:WORDS_FROM],
        exclude=[account.handle, account.display_name, *account.display_name.split()],
    )
    top = list(
        in_window.order_by("-author_followers", "posted_at", "pk")[: settings.LISTENING_TOP_POSTS]
    )
    playbook, because = playbook_suggest(texts=[post.text for post in top] + words, words=words)
    alert = Alert.objects.create(
        account=account,
        raised_at=timezone.now(),
        window_start=start,
        window_end=end,
        posts=spike.posts,
        usual=spike.usual,
        spread=spike.baseline.spread,
        ratio=spike.ratio,
        baseline_source=spike.baseline.source,
        baseline_label=usual_for(spike.baseline.source, timezone.localtime(end)),
        peak_posts=spike.posts,
        last_spiking_at=end,
        big_authors=[
            {"handle": handle, "followers": followers} for handle, followers in big_authors.items()
        ],
        top_words=words,
        suggested_playbook=playbook,
        suggested_because=because,
    )
    alert.top_posts.set(top)
    notify_role(
        role=Role.COMMUNICATIONS_LEAD,
        reason=Reason.LISTENING_ALERT,
        subject=f"alert:{alert.pk}",
        title=lambda zone: (
            (
                _("DRILL listening alert: %(explanation)s")
                if is_rehearsal(account)
                else _("Listening alert: %(explanation)s")
            )
            % {"explanation": alert.explanation_in(zone)}
        ),
        body=alert.explanation_in,
        url=alert.get_absolute_url(),
    )
    return alert


def playbook_suggest(*, texts: Sequence[str], words: Sequence[str]) -> tuple[Playbook | None, str]:
    """The playbook an alert's posts call for, and why: first a risk of the register whose
    watch terms the posts use (the risk with most matching posts, then the highest score) and
    that names a playbook; else a playbook whose name has one of the top words."""
    lowered = [text.lower() for text in texts]
    best: tuple[int, int, Any, str] | None = None
    for risk in risks_listened_for():
        terms = risk.terms
        matched = [term for term in terms if any(term.lower() in text for text in lowered)]
        if not matched:
            continue
        hits = sum(1 for text in lowered if any(term.lower() in text for term in matched))
        candidate = (hits, risk.score, risk, matched[0])
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    if best is not None:
        risk = best[2]
        return risk.playbook, _("The risk “%(risk)s” listens for “%(term)s”.") % {
            "risk": risk.title,
            "term": best[3],
        }
    wanted = {word.lower() for word in words}
    for playbook in playbooks_to_declare_from():
        name_words = {word.lower() for word in WORD.findall(playbook.name)}
        if shared := sorted(wanted & name_words):
            return playbook, _("Its name has the top word “%(word)s”.") % {"word": shared[0]}
    return None, ""


@transaction.atomic
def alert_declare(
    *,
    actor: User,
    alert: Alert,
    title: str = "",
    severity: int | None = None,
    playbook: Playbook | object | None = SUGGESTED,
) -> Incident:
    """Declare an incident from an alert: source "listening alert", detected when the alert
    was raised, the alert's explanation on its timeline, its top posts linked as mentions
    (those not on another incident already), and the suggested playbook applied unless
    another is given. Once: a second click, by anyone, returns the incident the first one
    declared. ``playbook``: the suggested one unless given; None declares with none."""
    require(actor, DECLARE_INCIDENT)
    require(actor, TRIAGE_MENTIONS)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.incident_id is not None:
        return Incident.objects.get(pk=alert.incident_id)
    if alert.status == Alert.Status.DISMISSED:
        raise Conflict(
            _("This alert was dismissed (%(reason)s); declare the incident from the declare page.")
            % {"reason": alert.dismiss_reason}
        )
    if playbook is SUGGESTED:
        suggested = alert.suggested_playbook
        playbook = suggested if suggested is not None and suggested.archived_at is None else None
    assert playbook is None or isinstance(playbook, Playbook)
    title = " ".join((title or "").split()) or alert_title(alert)
    incident = incident_declare(
        actor=actor,
        title=title,
        severity=severity or alert_severity(alert),
        summary=alert.explanation_in(site_zone()),
        category=playbook.category if playbook is not None else Category.OTHER,
        source=Source.LISTENING_ALERT,
        detected_at=alert.raised_at,
        playbook=playbook,
        is_drill=is_rehearsal(alert),
    )
    _alert_goes_to(
        actor=actor,
        alert=alert,
        incident=incident,
        text=_("Declared from the listening alert: %(explanation)s")
        % {"explanation": alert.explanation_in(site_zone())},
    )
    alert_declared.send(sender=Alert, alert=alert, incident=incident)
    return incident


def _alert_goes_to(*, actor: User, alert: Alert, incident: Incident, text: str) -> None:
    """The alert decided for an incident (declared from it, or added to it): its sentence on
    the incident's timeline, its top posts linked (those not on another incident already)."""
    timeline_event_record(
        incident=incident,
        actor=actor,
        kind=TimelineEvent.Kind.NOTE,
        text=text,
        data={"alert": alert.pk, "url": alert.get_absolute_url()},
    )
    for post in selectors.alert_top_posts(alert).filter(incident__isnull=True):
        mention_link(actor=actor, mention=post, incident=incident)
    alert.status = Alert.Status.DECLARED
    alert.incident = incident
    alert.decided_by = actor
    alert.decided_at = timezone.now()
    alert.save(update_fields=["status", "incident", "decided_by", "decided_at"])


def alert_attach_choices(alert: Alert) -> QuerySet[Incident]:
    """The open incidents an alert may be added to: real ones for a real alert, drills for a
    drill's (a rehearsal never joins reality, nor the other way round), newest first."""
    incidents = Incident.objects.filter(status__in=OPEN_STATUSES)
    incidents = incidents.rehearsals() if is_rehearsal(alert) else incidents.real()
    return incidents.order_by("-detected_at")


def alert_posts_on_open_incident(alert: Alert) -> tuple[Incident, int] | None:
    """The open incident (of those the alert may join) most of its top posts are already on,
    and how many: the crisis the alert is most likely part of."""
    counts = (
        selectors.alert_top_posts(alert)
        .filter(incident__in=alert_attach_choices(alert))
        .values("incident")
        .annotate(posts=Count("pk"))
        .order_by("-posts", "-incident")
        .first()
    )
    if counts is None:
        return None
    return Incident.objects.get(pk=counts["incident"]), counts["posts"]


@transaction.atomic
def alert_attach(*, actor: User, alert: Alert, incident: Incident | int) -> Incident:
    """Add the alert to an incident already open for the same crisis, instead of declaring a
    second one: the alert's explanation on its timeline, its top posts linked as mentions
    (those not on another incident already), the alert marked as decided for it. Once: sent
    again, or after someone declared from it, it returns the incident it went to."""
    require(actor, EDIT_INCIDENT)
    require(actor, TRIAGE_MENTIONS)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.incident_id is not None:
        return Incident.objects.get(pk=alert.incident_id)
    if alert.status == Alert.Status.DISMISSED:
        raise Conflict(
            _("This alert was dismissed (%(reason)s).") % {"reason": alert.dismiss_reason}
        )
    # Asked again under the incident's row lock: it may have closed since the page was drawn.
    pk = incident.pk if isinstance(incident, Incident) else incident
    found = alert_attach_choices(alert).select_for_update().filter(pk=pk).first()
    if found is None:
        raise ApplicationError(
            _("Choose an open incident (a drill's alert goes to a drill, a real one to reality)."),
            field="incident",
        )
    _alert_goes_to(
        actor=actor,
        alert=alert,
        incident=found,
        text=_("Listening alert added: %(explanation)s")
        % {"explanation": alert.explanation_in(site_zone())},
    )
    return found


def alert_title(alert: Alert) -> str:
    """The incident's title when the declarer gives none: "Spike on @brand: recall, batch"."""
    if alert.top_words:
        return _("Spike on @%(handle)s: %(words)s") % {
            "handle": alert.account.handle,
            "words": ", ".join(alert.top_words),
        }
    return _("Spike on @%(handle)s") % {"handle": alert.account.handle}


@transaction.atomic
def alert_dismiss(*, actor: User, alert: Alert, reason: str) -> Alert:
    """Dismiss an alert, saying why (a false alarm, a campaign of our own…). Dismissing it
    again changes nothing; an alert already declared cannot be dismissed."""
    require(actor, TRIAGE_MENTIONS)
    reason = reason_clean(reason, required=_("Say why the alert needs no incident."))
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.incident is not None:
        raise Conflict(
            _("This alert is already declared as %(reference)s.")
            % {"reference": alert.incident.reference}
        )
    if alert.status == Alert.Status.DISMISSED:
        return alert
    alert.status = Alert.Status.DISMISSED
    alert.dismiss_reason = reason
    alert.decided_by = actor
    alert.decided_at = timezone.now()
    alert.save(update_fields=["status", "dismiss_reason", "decided_by", "decided_at"])
    return alert
