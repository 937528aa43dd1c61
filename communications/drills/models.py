"""A drill played from a scenario into a drill account of its own."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communications.accounts.models import SocialAccount


class DrillRun(models.Model):
    """A drill played from a scenario: its posts replayed into a drill account of its own,
    against a drill incident, measured against the response policy when it is finished. The
    findings go to the drill record (teams.Drill)."""

    class Status(models.TextChoices):
        PLAYING = "playing", _("Playing")
        PLAYED = "played", _("All events played")
        FINISHED = "finished", _("Finished")

    drill = models.OneToOneField(
        "teams.Drill", verbose_name=_("drill"), on_delete=models.PROTECT, related_name="run"
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
        return reverse("communications:drill-run", kwargs={"pk": self.pk})
