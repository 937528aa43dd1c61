"""Drills: the exercises the crisis team holds (Drill, its record and findings) and a drill
played from a scenario into a drill account of its own (DrillRun).

Both kept the tables they had before drills had a room of their own (teams_drill,
teams_drill_participants, communications_drillrun): migrations 0001 and 0002 moved the models
and their permissions without moving a row."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communications.accounts.models import SocialAccount


class Drill(models.Model):
    """A training exercise of the crisis team."""

    title = models.CharField(_("title"), max_length=200)
    scenario = models.TextField(_("scenario"))
    held_at = models.DateTimeField(_("held at"))
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("participants"),
        blank=True,
        related_name="drills",
        db_table="teams_drill_participants",
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
        db_table = "teams_drill"
        ordering = ["-held_at"]
        verbose_name = _("drill")
        verbose_name_plural = _("drills")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("drills:detail", kwargs={"pk": self.pk})


class DrillRun(models.Model):
    """A drill played from a scenario: its posts replayed into a drill account of its own,
    against a drill incident, measured against the response policy when it is finished. The
    findings go to the drill record (Drill)."""

    class Status(models.TextChoices):
        PLAYING = "playing", _("Playing")
        PLAYED = "played", _("All events played")
        FINISHED = "finished", _("Finished")

    drill = models.OneToOneField(
        Drill, verbose_name=_("drill"), on_delete=models.PROTECT, related_name="run"
    )
    scenario_name = models.CharField(_("scenario"), max_length=100)
    scenario_text = models.TextField(
        _("scenario file"), help_text=_("The file as it was started: the run replays this.")
    )
    speed = models.PositiveSmallIntegerField(_("speed"), default=1)
    based_on = models.ForeignKey(
        SocialAccount,
        verbose_name=_("rehearsed for"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The brand account the drill stands in for; nothing reaches it."),
    )
    account = models.OneToOneField(
        SocialAccount,
        verbose_name=_("drill account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="drill_run",
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("drill incident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="drill_runs",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLAYING
    )
    posts_played = models.PositiveIntegerField(_("posts played"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    played_at = models.DateTimeField(_("last event played at"), null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("finished by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    report = models.JSONField(
        _("report"), default=dict, blank=True, help_text=_("The measures, kept when finished.")
    )

    class Meta:
        db_table = "communications_drillrun"
        ordering = ["-started_at", "-id"]
        verbose_name = _("drill run")
        verbose_name_plural = _("drill runs")
        indexes = [models.Index(fields=["status"], name="drill_run_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(speed__gte=1) & Q(speed__lte=100), name="drill_run_speed_in_range"
            ),
            models.CheckConstraint(
                condition=Q(status="finished", finished_at__isnull=False)
                | (~Q(status="finished") & Q(finished_at__isnull=True)),
                name="drill_run_finished_at_when_finished",
            ),
        ]

    def __str__(self) -> str:
        return str(self.drill)

    def get_absolute_url(self) -> str:
        return reverse("drills:run", kwargs={"pk": self.pk})
