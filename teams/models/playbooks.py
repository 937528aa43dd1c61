"""Playbooks: what to do for one kind of crisis, written before it happens.

A playbook is a name and a category; what it says lives in its versions. Editing a playbook
writes a new version and never changes an old one, so an incident started from version 2 keeps
version 2's checklist, roles and words whatever happens to the playbook afterwards
(``PlaybookRun`` records which version an incident used). The templates a version offers are
linked from the communications layer (``communications.Template.playbook_versions``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.models import Category, Severity

from .crisis_team import Role
from .stakeholders import Channel, StakeholderGroup


class Playbook(models.Model):
    name = models.CharField(_("name"), max_length=150, unique=True)
    category = models.CharField(_("category"), max_length=40, choices=Category.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    archived_at = models.DateTimeField(
        _("archived at"),
        null=True,
        blank=True,
        help_text=_("An archived playbook is no longer offered when declaring."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("playbook")
        verbose_name_plural = _("playbooks")
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="playbook_has_a_name")]

    def __str__(self) -> str:
        return self.name


class PlaybookVersion(models.Model):
    """One version of a playbook: never changed once written."""

    playbook = models.ForeignKey(
        Playbook, verbose_name=_("playbook"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    scenario = models.TextField(_("scenario"), help_text=_("The situation this playbook is for."))
    severity_hint = models.PositiveSmallIntegerField(
        _("usual severity"), choices=Severity.choices, default=Severity.SEV2
    )
    first_steps = models.TextField(
        _("first steps"), blank=True, help_text=_("Markdown: what to do in the first hour.")
    )
    checklist = models.JSONField(
        _("checklist"),
        default=list,
        blank=True,
        help_text=_("Items, each with its due time in minutes after declaring."),
    )
    roles = models.ManyToManyField(
        Role, verbose_name=_("roles to staff"), blank=True, related_name="+"
    )
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        ordering = ["playbook", "-number"]
        verbose_name = _("playbook version")
        verbose_name_plural = _("playbook versions")
        constraints = [
            models.UniqueConstraint(
                fields=["playbook", "number"], name="playbook_version_number_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.playbook} v{self.number}"


class PlaybookStakeholder(models.Model):
    """A version says: tell this group through this channel within so many minutes."""

    version = models.ForeignKey(
        PlaybookVersion,
        verbose_name=_("playbook version"),
        on_delete=models.CASCADE,
        related_name="stakeholders",
    )
    group = models.ForeignKey(
        StakeholderGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    within_minutes = models.PositiveIntegerField(_("within (minutes)"))

    class Meta:
        ordering = ["version", "within_minutes", "id"]
        verbose_name = _("playbook stakeholder")
        verbose_name_plural = _("playbook stakeholders")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "group", "channel"], name="playbook_stakeholder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group} via {self.get_channel_display()}"


class PlaybookRun(models.Model):
    """An incident used this version of a playbook (declared from it or applied later)."""

    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.CASCADE,
        related_name="playbook_runs",
    )
    version = models.ForeignKey(
        PlaybookVersion,
        verbose_name=_("playbook version"),
        on_delete=models.PROTECT,
        related_name="runs",
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now)

    class Meta:
        ordering = ["incident", "applied_at", "id"]
        verbose_name = _("playbook run")
        verbose_name_plural = _("playbook runs")
        constraints = [
            models.UniqueConstraint(fields=["incident", "version"], name="playbook_run_once")
        ]

    def __str__(self) -> str:
        return f"{self.version} on {self.incident_id}"
