"""People, the crisis team, roles per incident, stakeholders, and notifications."""

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# --- people ---------------------------------------------------------------------------------


class Department(models.Model):
    """Where people work; a crisis team draws from all of them."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


def validate_timezone(value: str) -> None:
    if not value:
        return
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            _("“%(value)s” is not a timezone name like Europe/Istanbul."),
            params={"value": value},
        ) from exc


class User(AbstractUser):
    """A person who logs in, and their profile. Groups carry what they may do."""

    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
    )
    title = models.CharField(_("job title"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    timezone = models.CharField(
        _("timezone"),
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text=_("Times are shown in this zone; empty: the browser's zone."),
    )
    webhook_url = models.URLField(
        _("chat webhook"),
        max_length=500,
        blank=True,
        help_text=_("A Slack or Microsoft Teams incoming-webhook URL for your notifications."),
    )

    class Meta(AbstractUser.Meta):
        ordering = ["first_name", "last_name", "username"]
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


# --- the crisis team ------------------------------------------------------------------------


class Role(models.Model):
    """A role in the crisis team. The slug is fixed (code refers to it); the rest is editable."""

    CRISIS_LEAD = "crisis_lead"
    COMMUNICATIONS_LEAD = "communications_lead"
    APPROVER = "approver"
    SOCIAL_MEDIA_OPERATOR = "social_media_operator"
    LEGAL_REVIEWER = "legal_reviewer"
    CUSTOMER_CARE_LEAD = "customer_care_lead"
    SCRIBE = "scribe"
    SUBJECT_MATTER_EXPERT = "subject_matter_expert"
    EXECUTIVE_SPONSOR = "executive_sponsor"

    slug = models.SlugField(_("code"), max_length=50, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    responsibilities = models.TextField(_("responsibilities"))
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.name


class RosterMember(models.Model):
    """Who holds a role in the standing crisis team: the primary holders and their backups."""

    class Kind(models.TextChoices):
        PRIMARY = "primary", _("Primary")
        BACKUP = "backup", _("Backup")

    role = models.ForeignKey(
        Role, verbose_name=_("role"), on_delete=models.PROTECT, related_name="roster"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="roster_places",
    )
    kind = models.CharField(_("as"), max_length=10, choices=Kind.choices, default=Kind.PRIMARY)
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        ordering = ["role__position", "kind", "person__first_name"]
        verbose_name = _("roster member")
        verbose_name_plural = _("roster")
        constraints = [
            models.UniqueConstraint(fields=["role", "person"], name="roster_person_once_per_role")
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.person} ({self.get_kind_display()})"


class OnCallShift(models.Model):
    """Someone holds a role from one time to another; escalations go to whoever holds it now."""

    role = models.ForeignKey(
        Role, verbose_name=_("role"), on_delete=models.PROTECT, related_name="shifts"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="shifts",
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["starts_at", "role__position"]
        verbose_name = _("on-call shift")
        verbose_name_plural = _("on-call shifts")
        indexes = [models.Index(fields=["role", "starts_at", "ends_at"], name="shift_role_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_it_starts"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.person} {self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%H:%M}"


class Drill(models.Model):
    """A training exercise of the crisis team."""

    title = models.CharField(_("title"), max_length=200)
    scenario = models.TextField(_("scenario"))
    held_at = models.DateTimeField(_("held at"))
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("participants"), blank=True, related_name="drills"
    )
    findings = models.TextField(_("findings"), blank=True)
    follow_ups = models.TextField(_("follow-ups"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-held_at"]
        verbose_name = _("drill")
        verbose_name_plural = _("drills")

    def __str__(self) -> str:
        return self.title


class RoleAssignment(models.Model):
    """A person holding a role on one incident, from assignment until relieved (history kept)."""

    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    role = models.ForeignKey(
        Role, verbose_name=_("role"), on_delete=models.PROTECT, related_name="assignments"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    relieved_at = models.DateTimeField(_("relieved at"), null=True, blank=True)
    relieved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("relieved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["role__position", "assigned_at"]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(role=Role.CRISIS_LEAD, relieved_at__isnull=True),
                name="one_active_crisis_lead_per_incident",
            ),
            models.UniqueConstraint(
                fields=["incident", "role", "person"],
                condition=Q(relieved_at__isnull=True),
                name="person_holds_a_role_once_per_incident",
            ),
            models.CheckConstraint(
                condition=Q(relieved_at__isnull=True, relieved_by__isnull=True)
                | Q(relieved_at__gte=F("assigned_at"), relieved_by__isnull=False),
                name="relieved_after_assigned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.person}"

    @property
    def is_active(self) -> bool:
        return self.relieved_at is None


# --- stakeholders and the communication plan ------------------------------------------------


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS")
    MEETING = "meeting", _("Meeting or briefing")
    INTRANET = "intranet", _("Intranet post")
    PRESS_RELEASE = "press_release", _("Press release")
    WEBSITE = "website", _("Website statement")
    SOCIAL_MEDIA = "social_media", _("Social media")
    LETTER = "letter", _("Letter")


class StakeholderGroup(models.Model):
    class Kind(models.TextChoices):
        EMPLOYEES = "employees", _("Employees")
        CUSTOMERS = "customers", _("Customers")
        INVESTORS = "investors", _("Investors")
        REGULATORS = "regulators", _("Regulators")
        MEDIA = "media", _("Media")
        PARTNERS = "partners", _("Partners and suppliers")
        COMMUNITY = "community", _("Community")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("stakeholder group")
        verbose_name_plural = _("stakeholder groups")

    def __str__(self) -> str:
        return self.name


class StakeholderContact(models.Model):
    group = models.ForeignKey(
        StakeholderGroup,
        verbose_name=_("group"),
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    name = models.CharField(_("name"), max_length=150)
    organisation = models.CharField(_("organisation"), max_length=150, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=20, choices=Channel.choices, default=Channel.EMAIL
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["group__name", "name"]
        verbose_name = _("stakeholder contact")
        verbose_name_plural = _("stakeholder contacts")

    def __str__(self) -> str:
        return self.name


class CommunicationPlanEntry(models.Model):
    """For a severity: this group is told through this channel within so many minutes."""

    severity = models.PositiveSmallIntegerField(
        _("severity"), choices=[(n, f"SEV{n}") for n in range(1, 5)]
    )
    group = models.ForeignKey(
        StakeholderGroup,
        verbose_name=_("group"),
        on_delete=models.PROTECT,
        related_name="plan_entries",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    within_minutes = models.PositiveIntegerField(_("within (minutes)"))
    notes = models.CharField(_("what to tell"), max_length=300, blank=True)

    class Meta:
        ordering = ["severity", "within_minutes", "group__name"]
        verbose_name = _("communication plan entry")
        verbose_name_plural = _("communication plan")
        constraints = [
            models.UniqueConstraint(
                fields=["severity", "group", "channel"], name="plan_entry_once_per_severity"
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=4), name="plan_severity_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"SEV{self.severity}: {self.group} via {self.get_channel_display()}"

    @property
    def checklist_key(self) -> str:
        return stakeholder_checklist_key(self.group_id, self.channel)


def stakeholder_checklist_key(group_id: int, channel: str) -> str:
    """The key of the incident checklist item that tracks telling a group through a channel."""
    return f"stakeholders:{group_id}:{channel}"


class StakeholderUpdate(models.Model):
    """What was told to whom, how and when, during an incident."""

    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.PROTECT,
        related_name="stakeholder_updates",
    )
    group = models.ForeignKey(
        StakeholderGroup,
        verbose_name=_("group"),
        on_delete=models.PROTECT,
        related_name="updates",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    told_at = models.DateTimeField(_("told at"), default=timezone.now)
    summary = models.TextField(_("what was said"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-told_at"]
        verbose_name = _("stakeholder update")
        verbose_name_plural = _("stakeholder updates")

    def __str__(self) -> str:
        return f"{self.group} via {self.get_channel_display()}"


class StaffBriefing(models.Model):
    """An internal briefing sent from an incident to all staff or chosen departments."""

    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.PROTECT,
        related_name="staff_briefings",
    )
    text = models.TextField(_("briefing"))
    departments = models.ManyToManyField(
        Department,
        verbose_name=_("departments"),
        blank=True,
        help_text=_("Empty: everyone."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("staff briefing")
        verbose_name_plural = _("staff briefings")

    def __str__(self) -> str:
        return self.text[:80]


# --- notifications --------------------------------------------------------------------------


class Reason(models.TextChoices):
    """Why someone is notified; each can be routed to email and chat per person."""

    ROLE_ASSIGNED = "role_assigned", _("A role on an incident was given to you")
    ROLE_RELIEVED = "role_relieved", _("You were relieved of a role on an incident")
    STAFF_BRIEFING = "staff_briefing", _("Staff briefing about an incident")
    CHECKLIST_ASSIGNED = "checklist_assigned", _("A checklist item was assigned to you")
    APPROVAL_REQUESTED = "approval_requested", _("A message waits for your approval")
    MESSAGE_RETURNED = "message_returned", _("Your message was rejected or sent back")
    MESSAGE_PUBLISHED = "message_published", _("Your message was published")
    PUBLISH_FAILED = "publish_failed", _("A message could not be published")
    MENTION_ESCALATED = "mention_escalated", _("A mention was escalated to you")
    MENTION_ASSIGNED = "mention_assigned", _("A mention was given to you to handle")
    CREDENTIALS_STALE = (
        "credentials_stale",
        _("A social account's credentials are due for rotation"),
    )


class Notification(models.Model):
    """One message to one person for one reason about one subject: never sent twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    reason = models.CharField(_("reason"), max_length=40, choices=Reason.choices)
    subject = models.CharField(
        _("subject"),
        max_length=200,
        help_text=_("What it is about, e.g. role-assignment:42 (unique per recipient and reason)."),
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "reason", "subject"], name="notification_sent_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """Whether a person wants a reason by email and by chat webhook (in-app is always on)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    reason = models.CharField(_("reason"), max_length=40, choices=Reason.choices)
    email = models.BooleanField(_("email"), default=True)
    webhook = models.BooleanField(_("chat webhook"), default=True)

    class Meta:
        ordering = ["reason"]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["person", "reason"], name="preference_once_per_reason")
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.reason}"


class Delivery(models.Model):
    """Getting one notification out through one channel; every attempt is recorded."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        WEBHOOK = "webhook", _("Chat webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    target = models.CharField(_("sent to"), max_length=500)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_once_per_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} via {self.channel}: {self.status}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="log"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    ok = models.BooleanField(_("succeeded"))
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("took (ms)"), default=0)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} {'ok' if self.ok else 'failed'} {self.at:%H:%M:%S}"
