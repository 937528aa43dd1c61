"""The crisis team: the role catalogue, the standing roster, on-call shifts and the
roles people hold on each incident."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


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
        return self.said_name

    @property
    def said_name(self) -> str:
        """The name in the reader's language: the catalogue's own names are translated, a
        name an admin wrote is said as written."""
        return gettext(self.name)

    @property
    def said_responsibilities(self) -> str:
        return gettext(self.responsibilities)


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
