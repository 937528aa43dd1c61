"""The risk register: what could become a crisis, how likely and how bad, who owns it, what is
done about it, and when it is looked at again. Every change is kept."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.models import Category

from .risk_rules import Band, keeps_happening, risk_band, risk_score

SCALE = [MinValueValidator(1), MaxValueValidator(5)]


class Risk(models.Model):
    """A risk rated likelihood x impact on the usual 5 x 5 scale (teams.models.risk_rules)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MITIGATED = "mitigated", _("Mitigated")
        ACCEPTED = "accepted", _("Accepted")
        RETIRED = "retired", _("Retired")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    likelihood = models.PositiveSmallIntegerField(
        _("likelihood"), validators=SCALE, help_text=_("1 rare … 5 almost certain.")
    )
    impact = models.PositiveSmallIntegerField(
        _("impact"), validators=SCALE, help_text=_("1 negligible … 5 severe.")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="risks_owned",
    )
    early_warning_signs = models.TextField(_("early-warning signs"), blank=True)
    watch_terms = models.JSONField(
        _("watch terms"),
        default=list,
        blank=True,
        help_text=_("Words to listen for that announce this risk."),
    )
    playbook = models.ForeignKey(
        "teams.Playbook",
        verbose_name=_("playbook"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="risks",
        help_text=_("What to do when it happens."),
    )
    review_at = models.DateTimeField(
        _("next review"), help_text=_("Its owner is reminded before and escalated after.")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    incidents = models.ManyToManyField(
        "incidents.Incident",
        verbose_name=_("incidents that realised it"),
        related_name="realised_risks",
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        constraints = [
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=5), name="risk_likelihood_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(impact__gte=1, impact__lte=5), name="risk_impact_1_to_5"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="risk_has_a_title"),
        ]
        indexes = [models.Index(fields=["status", "review_at"], name="risk_status_review")]

    def __str__(self) -> str:
        return self.title

    @property
    def terms(self) -> list[str]:
        """Its watch terms as the listening reads them: trimmed, the blank ones left out. A
        post uses a term when its text contains it, whatever the case."""
        return [term for term in (str(t).strip() for t in self.watch_terms or []) if term]

    @property
    def score(self) -> int:
        return risk_score(self.likelihood, self.impact)

    @property
    def band(self) -> Band:
        return risk_band(self.score)

    @property
    def keeps_happening(self) -> bool:
        """Realised by enough incidents to say so (teams.models.risk_rules): counted by the
        register's queryset (``realised``) when it has, else here."""
        realised = getattr(self, "realised", None)
        if realised is None:
            realised = self.incidents.real().count()
        return keeps_happening(realised)

    @property
    def review_overdue(self) -> bool:
        """Its review date has passed (a retired risk is never looked at again)."""
        return self.status != self.Status.RETIRED and self.review_at < timezone.now()


class Mitigation(models.Model):
    """One thing done (or to be done) to make the risk less likely or less bad."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    risk = models.ForeignKey(
        Risk, verbose_name=_("risk"), on_delete=models.CASCADE, related_name="mitigations"
    )
    text = models.CharField(_("mitigation"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        ordering = ["risk", "created_at", "id"]
        verbose_name = _("mitigation")
        verbose_name_plural = _("mitigations")

    def __str__(self) -> str:
        return self.text


class RiskChange(models.Model):
    """One change of a risk, with who made it and each field's value before and after."""

    risk = models.ForeignKey(
        Risk, verbose_name=_("risk"), on_delete=models.CASCADE, related_name="changes"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    what = models.CharField(_("what"), max_length=300)
    fields = models.JSONField(_("fields"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("risk change")
        verbose_name_plural = _("risk changes")

    def __str__(self) -> str:
        return self.what
