"""The response schedule: what a crisis team promises (policies), each promise on an incident
(deadlines), and how the engine keeps them (steps fired, its own health).

A policy per severity says how fast the team answers and whom it tells when it does not; an
incident gets a frozen copy of its severity's policy when it is declared. A deadline carries
everything the engine needs (its chain of steps included), so the row alone is the truth.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.rehearsals import RehearsalQuerySet

# Who a step notifies. "on_call:<role slug>" names whoever is on call for that role.
TARGET_OWNER = "owner"
TARGET_CRISIS_LEAD = "crisis_lead"
TARGET_MANAGERS = "managers"
TARGET_EXECUTIVE_SPONSOR = "executive_sponsor"
TARGET_ON_CALL = "on_call:"
TARGETS = {
    TARGET_OWNER: _("the deadline's owner"),
    TARGET_CRISIS_LEAD: _("the crisis lead"),
    TARGET_MANAGERS: _("all managers"),
    TARGET_EXECUTIVE_SPONSOR: _("the executive sponsor"),
}
# How often a chain may repeat its last step: a chain always ends.
MAX_REPEATS = 24


class ResponsePolicy(models.Model):
    """How fast the team answers at one severity, and whom it tells when it does not."""

    severity = models.PositiveSmallIntegerField(
        _("severity"), unique=True, choices=[(n, f"SEV{n}") for n in (1, 2, 3, 4)]
    )
    acknowledge_minutes = models.PositiveIntegerField(_("acknowledge within (minutes)"))
    statement_minutes = models.PositiveIntegerField(
        _("first public statement within (minutes)"),
        null=True,
        blank=True,
        help_text=_("Empty: no public statement is planned at this severity."),
    )
    update_minutes = models.PositiveIntegerField(
        _("public update every (minutes)"),
        null=True,
        blank=True,
        help_text=_("Empty: no update cadence while responding or monitoring."),
    )
    mention_reply_minutes = models.PositiveIntegerField(_("reply to a mention within (minutes)"))
    mention_reply_by_reach = models.JSONField(
        _("sooner replies by reach"),
        default=dict,
        blank=True,
        help_text=_('Followers → minutes, e.g. {"10000": 15, "1000": 30}.'),
    )
    approvals_required = models.PositiveSmallIntegerField(_("approvals per outgoing message"))
    repeat_minutes = models.PositiveIntegerField(
        _("repeat the last step every (minutes)"), default=15
    )
    repeat_times = models.PositiveSmallIntegerField(_("repeat the last step (times)"), default=4)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["severity"]
        verbose_name = _("response policy")
        verbose_name_plural = _("response policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledge_minutes__gt=0)
                & Q(mention_reply_minutes__gt=0)
                & Q(repeat_minutes__gt=0)
                & Q(approvals_required__gt=0)
                & (Q(statement_minutes__isnull=True) | Q(statement_minutes__gt=0))
                & (Q(update_minutes__isnull=True) | Q(update_minutes__gt=0))
                & Q(repeat_times__lte=MAX_REPEATS),
                name="policy_positive_durations",
            )
        ]

    def __str__(self) -> str:
        return f"SEV{self.severity}"

    def get_absolute_url(self) -> str:
        return reverse("teams:policy", kwargs={"severity": self.severity})


class EscalationStep(models.Model):
    """One step of a policy's chain: at this many minutes from the due time (negative: a
    reminder before it), notify these."""

    policy = models.ForeignKey(
        ResponsePolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    offset_minutes = models.IntegerField(
        _("minutes from the due time"), help_text=_("Negative: a reminder before it is due.")
    )
    targets = models.JSONField(_("notify"), default=list)

    class Meta:
        ordering = ["policy", "position"]
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        constraints = [
            models.UniqueConstraint(fields=["policy", "position"], name="step_position_once")
        ]

    def __str__(self) -> str:
        return f"{self.policy} #{self.position}: {self.offset_minutes:+d} min"


class IncidentPlan(models.Model):
    """The policy an incident runs on, copied when it was declared (and again when its
    severity changed): editing a policy never changes a running incident."""

    incident = models.OneToOneField(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.CASCADE,
        related_name="plan",
    )
    severity = models.PositiveSmallIntegerField(_("severity copied"))
    policy = models.JSONField(_("policy"))
    copied_at = models.DateTimeField(_("copied at"), default=timezone.now)

    class Meta:
        verbose_name = _("incident plan")
        verbose_name_plural = _("incident plans")

    def __str__(self) -> str:
        return f"{self.incident_id}: SEV{self.severity}"


class DeadlineQuerySet(RehearsalQuerySet["Deadline"]):
    drill_via = "incident"


class Deadline(models.Model):
    """One promise with its due time and its escalation chain; the only truth the engine
    acts on. Open until met or cancelled."""

    class Kind(models.TextChoices):
        ACKNOWLEDGE = "acknowledge", _("Acknowledge the incident")
        FIRST_STATEMENT = "first_statement", _("First public statement")
        NEXT_UPDATE = "next_update", _("Next public update")
        MENTION_REPLY = "mention_reply", _("Reply to a mention")
        CHECKLIST_ITEM = "checklist_item", _("Checklist item")
        ACTION_ITEM = "action_item", _("Action item")
        POSTMORTEM_REVIEW = "postmortem_review", _("Postmortem review")
        RISK_REVIEW = "risk_review", _("Risk review")

    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadlines",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    subject = models.CharField(
        _("subject"),
        max_length=100,
        help_text=_("What it is about, e.g. mention:42; one open deadline per kind and subject."),
    )
    title = models.CharField(_("title"), max_length=300)
    url = models.CharField(_("link"), max_length=500, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deadlines",
    )
    anchor_at = models.DateTimeField(_("counted from"))
    due_at = models.DateTimeField(_("due at"))
    steps = models.JSONField(_("escalation chain"), default=list)
    repeat_minutes = models.PositiveIntegerField(_("repeat every (minutes)"), default=15)
    repeat_times = models.PositiveSmallIntegerField(_("repeats"), default=0)
    next_step = models.PositiveSmallIntegerField(_("next step"), null=True, blank=True)
    next_step_at = models.DateTimeField(_("next step at"), null=True, blank=True)
    task_id = models.CharField(_("expected task"), max_length=64, blank=True)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("why cancelled"), max_length=300, blank=True)
    acknowledged_at = models.DateTimeField(_("escalation acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    snoozed_until = models.DateTimeField(_("snoozed until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject"],
                condition=Q(met_at__isnull=True, cancelled_at__isnull=True),
                name="deadline_open_once",
            ),
            models.CheckConstraint(
                condition=Q(met_at__isnull=True) | Q(cancelled_at__isnull=True),
                name="deadline_met_or_cancelled",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_step_at"],
                condition=Q(met_at__isnull=True, cancelled_at__isnull=True),
                name="deadline_next_step",
            ),
            models.Index(
                fields=["incident", "due_at"],
                condition=Q(met_at__isnull=True, cancelled_at__isnull=True),
                name="deadline_open_by_incident",
            ),
            models.Index(
                fields=["owner", "due_at"],
                condition=Q(met_at__isnull=True, cancelled_at__isnull=True),
                name="deadline_open_by_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("teams:deadline", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.met_at is None and self.cancelled_at is None

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.is_open and self.due_at < (now or timezone.now())

    @property
    def step_count(self) -> int:
        """Steps of the chain with its repeats: the chain always ends."""
        return len(self.steps) + (self.repeat_times if self.steps else 0)

    def step_at(self, position: int) -> datetime:
        """When step ``position`` (repeats counted) is due."""
        if position < len(self.steps):
            offset = int(self.steps[position]["offset_minutes"])
            return self.due_at + timedelta(minutes=offset)
        last = int(self.steps[-1]["offset_minutes"])
        repeat = position - len(self.steps) + 1
        return self.due_at + timedelta(minutes=last + repeat * self.repeat_minutes)

    def step_targets(self, position: int) -> list[str]:
        return list(self.steps[min(position, len(self.steps) - 1)]["targets"])

    def step_is_reminder(self, position: int) -> bool:
        return self.step_at(position) < self.due_at


class DeadlineStep(models.Model):
    """A step the engine fired: once per deadline and position, whoever delivers it."""

    deadline = models.ForeignKey(
        Deadline, verbose_name=_("deadline"), on_delete=models.CASCADE, related_name="fired"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    due_at = models.DateTimeField(_("step due at"))
    fired_at = models.DateTimeField(_("fired at"), default=timezone.now)
    recipients = models.PositiveIntegerField(_("people notified"), default=0)
    by_sweeper = models.BooleanField(_("re-driven by the sweeper"), default=False)

    class Meta:
        ordering = ["deadline", "position"]
        verbose_name = _("fired step")
        verbose_name_plural = _("fired steps")
        constraints = [
            models.UniqueConstraint(fields=["deadline", "position"], name="step_fired_once")
        ]
        # The sweeper reads the lateness of the steps fired since its last run.
        indexes = [models.Index(fields=["fired_at"], name="deadline_step_fired_at")]

    def __str__(self) -> str:
        return f"{self.deadline_id} #{self.position}"

    @property
    def lateness(self) -> timedelta:
        return self.fired_at - self.due_at


class EngineHealth(models.Model):
    """What the last sweep of the schedule saw (one row)."""

    last_sweep_at = models.DateTimeField(_("last sweep"), null=True, blank=True)
    last_sweep_seconds = models.FloatField(_("sweep took (s)"), default=0)
    worst_lateness_seconds = models.FloatField(_("worst lateness seen (s)"), default=0)
    backlog = models.PositiveIntegerField(_("steps overdue at the sweep"), default=0)
    redriven = models.PositiveIntegerField(_("steps re-driven by the sweep"), default=0)
    redriven_total = models.PositiveBigIntegerField(_("steps re-driven in all"), default=0)

    class Meta:
        verbose_name = _("schedule engine health")
        verbose_name_plural = _("schedule engine health")

    def __str__(self) -> str:
        return str(_("Schedule engine"))
