"""Stakeholders and the communication plan: who is told what, how and within how long, and
what was told to whom during an incident."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .people import Department


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

    # Its notifications' subject: this and its id (one notification per person and briefing).
    SUBJECT_PREFIX = "staff-briefing:"

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
    recipient_count = models.PositiveIntegerField(
        _("recipients"), default=0, help_text=_("The people it is to be delivered to.")
    )
    # Everyone is notified in chunks, in the order of their ids (teams.stakeholders.services).
    notified_count = models.PositiveIntegerField(_("notified so far"), default=0)
    reached_through = models.PositiveBigIntegerField(
        _("reached through"),
        default=0,
        help_text=_("The id of the last person notified; the next chunk starts after it."),
    )
    notified_at = models.DateTimeField(
        _("everyone notified at"), null=True, blank=True, help_text=_("Empty while it goes out.")
    )
    queued_at = models.DateTimeField(
        _("queued at"),
        null=True,
        blank=True,
        help_text=_("When the task for its next chunk was queued."),
    )

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("staff briefing")
        verbose_name_plural = _("staff briefings")

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def notification_subject(self) -> str:
        return f"{self.SUBJECT_PREFIX}{self.pk}"
