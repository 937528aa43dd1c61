from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.live import incident_live_keys
from incidents.rehearsals import RehearsalQuerySet


class Severity(models.IntegerChoices):
    SEV1 = 1, _("SEV1 — critical")
    SEV2 = 2, _("SEV2 — major")
    SEV3 = 3, _("SEV3 — minor")
    SEV4 = 4, _("SEV4 — watch")

    @property
    def description(self) -> str:
        return str(SEVERITY_DESCRIPTIONS[self])

    @property
    def short(self) -> str:
        return f"SEV{self.value}"


class WarRoomPart(models.TextChoices):
    """The war room's parts below its first screen, each one click away (``?part=``): the
    first screen (severity, status, lead, the public-silence clock, the next deadlines, what
    waits for approval, the latest lines) is always there, and one part beside it."""

    TIMELINE = "timeline", _("Timeline")
    COMMUNICATIONS = "communications", _("Communications")
    DEADLINES = "deadlines", _("Deadlines")
    CHECKLIST = "checklist", _("Checklist")
    ROLES = "roles", _("Roles")
    CLAIMS = "claims", _("Rumours and claims")
    STAKEHOLDERS = "stakeholders", _("Stakeholders")
    BRIEFING = "briefing", _("Staff briefing")
    PLAYBOOK = "playbook", _("Playbook")
    RISKS = "risks", _("Risks")
    VOLUME = "volume", _("Volume")
    DETAILS = "details", _("Details")
    POSTMORTEM = "postmortem", _("Postmortem")

    @classmethod
    def of(cls, value: object) -> "WarRoomPart":
        """The part a page asks for; the timeline for anything else."""
        return cls(value) if value in cls.values else cls.TIMELINE


SEVERITY_DESCRIPTIONS = {
    Severity.SEV1: _(
        "The brand is under wide public attack or people may be harmed: the whole crisis team "
        "responds now, executives are involved, every public word is approved twice."
    ),
    Severity.SEV2: _(
        "A fast-growing negative story with media or influencer pick-up: the crisis team "
        "responds within minutes and a public statement follows quickly."
    ),
    Severity.SEV3: _(
        "A contained complaint or rumour with limited reach: the communications team handles "
        "it in working hours and watches for growth."
    ),
    Severity.SEV4: _(
        "Something to watch: no public statement planned, monitor volume and sentiment."
    ),
}


class Status(models.TextChoices):
    DETECTED = "detected", _("Detected")
    TRIAGED = "triaged", _("Triaged")
    RESPONDING = "responding", _("Responding")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined (false alarm)")


OPEN_STATUSES = (
    Status.DETECTED,
    Status.TRIAGED,
    Status.RESPONDING,
    Status.MONITORING,
)


class Category(models.TextChoices):
    """What the crisis comes from."""

    WRONG_BUSINESS_DECISION = "wrong_business_decision", _("Wrong business decision")
    POOR_MANAGEMENT = "poor_management", _("Poor management")
    EMPLOYEE_MISCONDUCT = "employee_misconduct", _("Employee error or misconduct")
    PRODUCT_QUALITY = "product_quality", _("Product or service quality")
    SECURITY_BREACH = "security_breach", _("Security breach or cyber attack")
    NATURAL_DISASTER = "natural_disaster", _("Natural disaster or environment")
    ACCIDENT = "accident", _("Accident")
    CUSTOMER_DISSATISFACTION = "customer_dissatisfaction", _("Customer dissatisfaction")
    BAD_CAMPAIGN = "bad_campaign", _("Bad campaign or ad")
    MISUNDERSTANDING = "misunderstanding", _("Misunderstanding")
    RUMOUR = "rumour", _("Rumour or misinformation")
    OTHER = "other", _("Other")


class Source(models.TextChoices):
    """How the crisis came to the team's attention."""

    LISTENING_ALERT = "listening_alert", _("Listening alert")
    CUSTOMER_CARE = "customer_care", _("Customer care")
    EMPLOYEE = "employee", _("Employee")
    MEDIA = "media", _("Media")
    OTHER = "other", _("Other")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class ReferenceCounter(models.Model):
    """The last incident number handed out in a year; its row lock serialises declarations."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reference counter")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class IncidentQuerySet(RehearsalQuerySet["Incident"]):
    """Incidents, real or a drill's (``.real()``, ``.rehearsals()``)."""


def site_language() -> str:
    return settings.LANGUAGE_CODE


class Incident(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    severity = models.PositiveSmallIntegerField(
        _("severity"), choices=Severity.choices, default=Severity.SEV3
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DETECTED
    )
    category = models.CharField(
        _("category"), max_length=40, choices=Category.choices, default=Category.OTHER
    )
    source = models.CharField(
        _("source"), max_length=30, choices=Source.choices, default=Source.OTHER
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="+")
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("declared by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    detected_at = models.DateTimeField(_("detected at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first public response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=site_language,
        help_text=_("The language its public speaks: the composer offers templates in it first."),
    )
    is_drill = models.BooleanField(
        _("drill"),
        default=False,
        editable=False,
        help_text=_(
            "A rehearsal: numbered DRILL-…, published only in sandbox, left out of the figures."
        ),
    )
    declare_key = models.CharField(
        _("declare key"),
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text=_(
            "Sent with the declare form or API call, so that sending it twice declares once."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-detected_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        permissions = [
            ("manage_incident", _("Can decline, close and reopen incidents")),
        ]
        indexes = [
            models.Index(fields=["status", "severity"], name="incident_status_severity"),
            models.Index(fields=["-detected_at", "-id"], name="incident_detected"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True)
                | Q(acknowledged_at__gte=F("detected_at")),
                name="incident_acknowledged_after_detected",
            ),
            models.CheckConstraint(
                condition=Q(first_response_at__isnull=True)
                | Q(first_response_at__gte=F("detected_at")),
                name="incident_first_response_after_detected",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("detected_at")),
                name="incident_resolved_after_detected",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("detected_at")),
                name="incident_closed_after_detected",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True)
                | Q(resolved_at__isnull=True)
                | Q(closed_at__gte=F("resolved_at")),
                name="incident_closed_after_resolved",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[Status.RESOLVED, Status.CLOSED])
                | Q(resolved_at__isnull=True),
                name="incident_resolved_at_only_when_resolved",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[Status.CLOSED, Status.DECLINED])
                | Q(closed_at__isnull=True),
                name="incident_closed_at_only_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1) & Q(severity__lte=4),
                name="incident_severity_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("incidents:detail", kwargs={"reference": self.reference})

    def part_url(self, part: WarRoomPart) -> str:
        """The war room showing one of its parts, scrolled to the parts' menu."""
        return f"{self.get_absolute_url()}?part={part.value}#war-room-parts"

    @property
    def live_keys(self) -> tuple[str, ...]:
        """The pages an incident's own change concerns (incidents.live): its war room, and
        the desk's lists; a row of another model reaches them by its ``incident_id``."""
        return incident_live_keys(self.pk)

    @property
    def severity_enum(self) -> Severity:
        return Severity(self.severity)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_editable(self) -> bool:
        """Closed and declined incidents are part of the record: only notes may follow."""
        return self.status not in (Status.CLOSED, Status.DECLINED)


class TimelineEvent(models.Model):
    """One thing that happened to an incident. Append-only: the database refuses updates."""

    class Kind(models.TextChoices):
        DECLARED = "declared", _("Declared")
        STATUS = "status", _("Status")
        SEVERITY = "severity", _("Severity")
        UPDATED = "updated", _("Details updated")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        NOTE = "note", _("Note")
        CLAIM = "claim", _("Claim")
        CHECKLIST = "checklist", _("Checklist")
        WAIVER = "waiver", _("Postmortem waived")
        ROLE = "role", _("Role")
        STAKEHOLDERS = "stakeholders", _("Stakeholders told")
        BRIEFING = "briefing", _("Staff briefing")
        MESSAGE = "message", _("Message")
        APPROVAL = "approval", _("Approval")
        PUBLISH = "publish", _("Publishing")
        MENTION = "mention", _("Mention")
        SCHEDULE = "schedule", _("Response schedule")
        POSTMORTEM = "postmortem", _("Postmortem")

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.PROTECT, related_name="events"
    )
    at = models.DateTimeField(_("happened at"), default=timezone.now, db_index=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("text"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        indexes = [
            models.Index(fields=["incident", "-at", "-id"], name="timeline_incident_at"),
            models.Index(fields=["-recorded_at", "-id"], name="timeline_recorded"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    @property
    def is_backdated(self) -> bool:
        return (self.recorded_at - self.at).total_seconds() > 60


class ClaimStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("Unverified")
    INVESTIGATING = "investigating", _("Investigating")
    CONFIRMED = "confirmed", _("Confirmed")
    FALSE = "false", _("False")
    PARTLY_TRUE = "partly_true", _("Partly true")


VERDICTS = (ClaimStatus.CONFIRMED, ClaimStatus.FALSE, ClaimStatus.PARTLY_TRUE)


class Claim(models.Model):
    """A rumour or claim circulating about the brand: verified before anyone repeats it."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.PROTECT, related_name="claims"
    )
    statement = models.TextField(_("claim"))
    seen_at_location = models.CharField(
        _("where it was seen"), max_length=500, blank=True, help_text=_("A URL or a place.")
    )
    first_seen_at = models.DateTimeField(_("first seen at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.UNVERIFIED
    )
    evidence = models.TextField(_("evidence"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-first_seen_at", "-id"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in VERDICTS], verified_at__isnull=False)
                | (~Q(status__in=[c.value for c in VERDICTS]) & Q(verified_at__isnull=True)),
                name="claim_verified_at_matches_verdict",
            ),
        ]

    def __str__(self) -> str:
        return self.statement[:80]

    @property
    def is_verified(self) -> bool:
        return self.status in VERDICTS


class Promise(models.TextChoices):
    """What the incident promises the public, which a checklist item may do (see
    ChecklistItem.meets); the schedule plans each as a deadline of the same name."""

    FIRST_STATEMENT = "first_statement", _("the first public statement")


class ChecklistItem(models.Model):
    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.PROTECT, related_name="checklist"
    )
    title = models.CharField(_("title"), max_length=300)
    key = models.CharField(
        _("key"),
        max_length=100,
        blank=True,
        db_default="",
        help_text=_("Set when the item comes from a plan, so it is added only once."),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    meets = models.CharField(
        _("keeps the promise"),
        max_length=30,
        choices=Promise.choices,
        blank=True,
        db_default="",
        help_text=_(
            "The incident's promise this item does (a playbook's “publish the holding "
            "statement”): it takes that promise's due time instead of a deadline of its own, "
            "and is done when the promise is kept."
        ),
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        # Open items first, the most urgent on top.
        ordering = [F("done_at").asc(nulls_first=True), F("due_at").asc(nulls_last=True), "id"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [
            models.CheckConstraint(
                condition=Q(done_at__isnull=True, done_by__isnull=True)
                | Q(done_at__isnull=False, done_by__isnull=False),
                name="checklist_done_at_and_by_together",
            ),
            models.UniqueConstraint(
                fields=["incident", "key"],
                condition=~Q(key=""),
                name="checklist_key_once_per_incident",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_at is not None and self.due_at < timezone.now()
