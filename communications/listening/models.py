"""Inbound posts and their triage events; the listening series (volume buckets) and the alerts
raised on their spikes."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communications.accounts.models import SocialAccount, WatchTerm
from communications.listening.rules import CLOCK_SOURCES, explanation, usual_for
from incidents.live import DESK, MENTIONS
from incidents.rehearsals import RehearsalQuerySet


class InboundPostQuerySet(RehearsalQuerySet["InboundPost"]):
    """A drill's post was played from its scenario or posted to a drill account."""

    drill_via = "account"

    def _rehearsal(self) -> Q:
        return Q(origin=InboundPost.Origin.DRILL) | super()._rehearsal()

    def _is_rehearsal(self, row: "InboundPost") -> bool:
        return row.origin == InboundPost.Origin.DRILL or super()._is_rehearsal(row)


class InboundPost(models.Model):
    """A post that mentions the brand or matches a watch term: every one gets a decision."""

    class Triage(models.TextChoices):
        NEW = "new", _("New")
        NEEDS_REPLY = "needs_reply", _("Needs reply")
        REPLIED = "replied", _("Replied")
        NO_REPLY = "no_reply", _("No reply needed")
        ESCALATED = "escalated", _("Escalated")

    class Origin(models.TextChoices):
        MENTION = "mention", _("Mention")
        SEARCH = "search", _("Watch term")
        MANUAL = "manual", _("Added by hand")
        DRILL = "drill", _("Drill scenario")

    external_id = models.CharField(_("post id"), max_length=40, unique=True)
    account = models.ForeignKey(
        SocialAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="inbound"
    )
    origin = models.CharField(
        _("found by"), max_length=10, choices=Origin.choices, default=Origin.MENTION
    )
    author_id = models.CharField(_("author id"), max_length=40, blank=True)
    author_handle = models.CharField(_("author"), max_length=50, blank=True)
    author_name = models.CharField(_("author name"), max_length=100, blank=True)
    author_followers = models.PositiveIntegerField(_("reach (followers)"), default=0)
    watch_term = models.ForeignKey(
        WatchTerm,
        verbose_name=_("found by the watch term"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The first watch term whose search found it."),
    )
    text = models.TextField(_("text"))
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        help_text=_("The language X detected in the post (e.g. tr); empty when it could not tell."),
    )
    url = models.URLField(_("link"), max_length=300, blank=True)
    gone_at = models.DateTimeField(
        _("gone from X at"),
        null=True,
        blank=True,
        help_text=_(
            "When X said the post is deleted or no longer visible: a reply to it cannot go out."
        ),
    )
    posted_at = models.DateTimeField(_("posted at"))
    fetched_at = models.DateTimeField(_("fetched at"), default=timezone.now)
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mentions",
    )
    triage = models.CharField(
        _("triage"), max_length=20, choices=Triage.choices, default=Triage.NEW
    )
    triage_reason = models.CharField(_("why no reply"), max_length=300, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reply_due_at = models.DateTimeField(_("reply due at"), null=True, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("triaged by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True)

    objects = InboundPostQuerySet.as_manager()
    # Arriving or triaged, it changes the mention queue (incidents.live); linked to an incident,
    # its war room too (by its incident_id), and the desk's lists.
    live_keys = (MENTIONS,)

    class Meta:
        ordering = ["-author_followers", "posted_at"]
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        indexes = [
            models.Index(fields=["triage", "-author_followers", "posted_at"], name="mention_queue"),
            models.Index(fields=["account", "-posted_at"], name="mention_account_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(triage="no_reply") | ~Q(triage_reason=""),
                name="no_reply_needs_a_reason",
            )
        ]

    def __str__(self) -> str:
        return f"@{self.author_handle}: {self.text[:60]}"

    def get_absolute_url(self) -> str:
        return reverse("communications:mentions:detail", kwargs={"pk": self.pk})

    def post_url(self) -> str:
        """Its page on X; a drill's post has none."""
        if self.origin == self.Origin.DRILL:
            return ""
        return self.url or f"https://x.com/{self.author_handle or 'i'}/status/{self.external_id}"


class InboundPostEvent(models.Model):
    """What happened to a mention (triage, assignment, links, the reply), kept whether or not
    it belongs to an incident; linked ones also appear on the incident's timeline."""

    mention = models.ForeignKey(
        InboundPost, verbose_name=_("mention"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField(_("text"))
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("mention event")
        verbose_name_plural = _("mention events")

    def __str__(self) -> str:
        return f"{self.mention_id} {self.at:%Y-%m-%d %H:%M}"


# --- listening ------------------------------------------------------------------------------


class Bucket(models.Model):
    """One 5-minute bucket of a listening series: how many posts and their total reach."""

    start = models.DateTimeField(_("from"), help_text=_("On a 5-minute boundary, UTC."))
    posts = models.PositiveIntegerField(_("posts"))
    reach = models.PositiveBigIntegerField(_("reach"), default=0)

    class Meta:
        abstract = True


class VolumeBucketQuerySet(RehearsalQuerySet["VolumeBucket"]):
    drill_via = "account"


class VolumeBucket(Bucket):
    """How many posts mentioned an account or matched its watch terms in one 5-minute bucket,
    and their total reach: the listening's series, kept from the mentions
    (communications.listening.services.volume_rollup) so that any range is read without
    scanning every mention."""

    account = models.ForeignKey(
        SocialAccount, verbose_name=_("account"), on_delete=models.CASCADE, related_name="+"
    )

    objects = VolumeBucketQuerySet.as_manager()

    class Meta:
        ordering = ["account", "start"]
        verbose_name = _("volume bucket")
        verbose_name_plural = _("volume buckets")
        constraints = [
            models.UniqueConstraint(fields=["account", "start"], name="volume_bucket_once")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.start:%Y-%m-%d %H:%M} {self.posts}"


class TermVolumeBucket(Bucket):
    """How many posts one watch term's search found in one 5-minute bucket, and their reach:
    the series of each watch term, kept beside the account's (VolumeBucket) the same way."""

    term = models.ForeignKey(
        WatchTerm, verbose_name=_("watch term"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["term", "start"]
        verbose_name = _("watch term volume bucket")
        verbose_name_plural = _("watch term volume buckets")
        constraints = [
            models.UniqueConstraint(fields=["term", "start"], name="term_volume_bucket_once")
        ]

    def __str__(self) -> str:
        return f"{self.term_id} {self.start:%Y-%m-%d %H:%M} {self.posts}"


class AlertQuerySet(RehearsalQuerySet["Alert"]):
    drill_via = "account"


class Alert(models.Model):
    """A spike in what people say about an account (communications.listening.rules): raised
    once per spike (while the spike lasts no second alert is raised), explained by its numbers,
    its widest-reaching authors, its top words and top posts, and then either declared as an
    incident or dismissed with a reason."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DECLARED = "declared", _("Declared")
        DISMISSED = "dismissed", _("Dismissed")

    account = models.ForeignKey(
        SocialAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="alerts"
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    window_start = models.DateTimeField(_("window from"))
    window_end = models.DateTimeField(_("window to"))
    posts = models.PositiveIntegerField(_("posts in the window"))
    usual = models.FloatField(_("usual posts in such a window"))
    spread = models.FloatField(_("usual spread"))
    ratio = models.FloatField(_("times the usual"))
    baseline_source = models.CharField(_("usual level from"), max_length=30)
    baseline_label = models.CharField(
        _("usual for"), max_length=100, help_text=_("For example “Tuesday 14:00”.")
    )
    peak_posts = models.PositiveIntegerField(_("most posts in a window"))
    last_spiking_at = models.DateTimeField(_("last seen spiking"))
    spike_ended_at = models.DateTimeField(
        _("spike ended at"),
        null=True,
        blank=True,
        help_text=_("Empty while the volume is still far above its usual level."),
    )
    big_authors = models.JSONField(
        _("authors with a wide reach"),
        default=list,
        blank=True,
        help_text=_("[{handle, followers}] of the window's authors above the reach threshold."),
    )
    top_words = models.JSONField(_("top words"), default=list, blank=True)
    top_posts = models.ManyToManyField(
        InboundPost, verbose_name=_("top posts"), blank=True, related_name="alerts"
    )
    suggested_playbook = models.ForeignKey(
        "teams.Playbook",
        verbose_name=_("suggested playbook"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    suggested_because = models.CharField(_("suggested because"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    dismiss_reason = models.CharField(_("why dismissed"), max_length=300, blank=True)

    objects = AlertQuerySet.as_manager()
    live_keys = (DESK,)  # raised or decided: the dashboard and the alerts page (incidents.live)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("listening alert")
        verbose_name_plural = _("listening alerts")
        indexes = [models.Index(fields=["status", "-raised_at"], name="alert_status_time")]
        constraints = [
            # One spike, one alert: the evaluation of every poll finds this row and adds none.
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(spike_ended_at__isnull=True),
                name="one_ongoing_spike_per_account",
            ),
            models.CheckConstraint(
                condition=~Q(status="dismissed") | ~Q(dismiss_reason=""),
                name="dismissed_alert_has_a_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="declared") | Q(incident__isnull=False),
                name="declared_alert_has_an_incident",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.raised_at:%Y-%m-%d %H:%M} ({self.posts})"

    def get_absolute_url(self) -> str:
        return reverse("communications:alert", kwargs={"pk": self.pk})

    @property
    def window_minutes(self) -> int:
        return int((self.window_end - self.window_start).total_seconds() // 60)

    @property
    def explanation(self) -> str:
        """One paragraph the page, the API, the notification and the incident all show: "212
        posts in the last 30 min on @brand, 14× the usual for Tuesday 14:00; 3 authors with
        more than 100k followers; top words: recall, batch, sick". The usual's time is said
        in the active zone (on a page, its viewer's, beside the window in the same zone)."""
        return self.explanation_in(None)

    def explanation_in(self, zone: ZoneInfo | None) -> str:
        """The explanation with the usual's time said in ``zone`` and the zone named, for text
        written to be read elsewhere (a notification, a timeline line); None: the active zone,
        unnamed (a page). Said from the window's end, so never from a label stored in the
        zone of the worker that raised the alert."""
        if zone is None:
            compared = usual_for(self.baseline_source, timezone.localtime(self.window_end))
        else:
            compared = usual_for(self.baseline_source, self.window_end.astimezone(zone))
            if compared and self.baseline_source in CLOCK_SOURCES:
                compared = f"{compared} ({zone.key})"
        return explanation(
            posts=self.posts,
            minutes=self.window_minutes,
            handle=self.account.handle,
            ratio=self.ratio,
            compared_with=compared,
            big_authors=len(self.big_authors),
            big_reach=settings.LISTENING_WIDE_REACH,
            top_words=self.top_words,
        )
