"""Social accounts, outgoing messages and their approvals, templates, and inbound mentions."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from teams.models import Channel

from .listening.rules import explanation

# --- social accounts ------------------------------------------------------------------------


class Platform(models.TextChoices):
    X = "x", _("X (Twitter)")


class SocialAccount(models.Model):
    """A brand account messages are published from. Credentials are encrypted at rest
    (communications.crypto); without credentials the account publishes in sandbox mode."""

    class AuthKind(models.TextChoices):
        NONE = "none", _("No credentials (sandbox)")
        OAUTH1 = "oauth1", _("OAuth 1.0a user keys")
        OAUTH2 = "oauth2", _("OAuth 2.0 user token")

    platform = models.CharField(
        _("platform"), max_length=10, choices=Platform.choices, default=Platform.X
    )
    handle = models.CharField(_("handle"), max_length=50, help_text=_("Without the @."))
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    external_user_id = models.CharField(_("user id on the platform"), max_length=40, blank=True)
    auth_kind = models.CharField(
        _("credentials"), max_length=10, choices=AuthKind.choices, default=AuthKind.NONE
    )
    credentials_encrypted = models.TextField(_("encrypted credentials"), blank=True)
    credentials_rotated_at = models.DateTimeField(
        _("credentials last rotated"), null=True, blank=True
    )
    two_factor_enabled = models.BooleanField(_("2FA is on"), default=False)
    publishers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("may write for it"),
        blank=True,
        related_name="social_accounts",
        help_text=_("Empty: everyone who may draft messages."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_drill = models.BooleanField(
        _("drill account"),
        default=False,
        editable=False,
        help_text=_(
            "Made for one drill: its posts are the scenario's, and it never reaches X, "
            "whatever credentials it is given."
        ),
    )
    last_mention_id = models.CharField(_("newest mention seen"), max_length=40, blank=True)
    last_search_id = models.CharField(_("newest search result seen"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["handle"]
        verbose_name = _("social account")
        verbose_name_plural = _("social accounts")
        permissions = [("approve_message", _("Can approve outgoing messages"))]
        constraints = [
            models.UniqueConstraint(fields=["platform", "handle"], name="account_handle_unique")
        ]

    def __str__(self) -> str:
        return f"@{self.handle}"

    @property
    def is_sandbox(self) -> bool:
        return (
            self.is_drill or self.auth_kind == self.AuthKind.NONE or not self.credentials_encrypted
        )

    def profile_url(self) -> str:
        return f"https://x.com/{self.handle}"


class WatchTerm(models.Model):
    """A search term listened to for an account (GET /2/tweets/search/recent)."""

    account = models.ForeignKey(
        SocialAccount,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="watch_terms",
    )
    query = models.CharField(_("search query"), max_length=500)

    class Meta:
        ordering = ["query"]
        verbose_name = _("watch term")
        verbose_name_plural = _("watch terms")
        constraints = [models.UniqueConstraint(fields=["account", "query"], name="watch_term_once")]

    def __str__(self) -> str:
        return self.query


# --- inbound mentions -----------------------------------------------------------------------


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
    url = models.URLField(_("link"), max_length=300, blank=True)
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

    @property
    def is_drill(self) -> bool:
        """A drill's post: played from its scenario, or posted to a drill account."""
        return self.origin == self.Origin.DRILL or self.account.is_drill

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


class VolumeBucket(Bucket):
    """How many posts mentioned an account or matched its watch terms in one 5-minute bucket,
    and their total reach: the listening's series, kept from the mentions
    (communications.listening.services.volume_rollup) so that any range is read without
    scanning every mention."""

    account = models.ForeignKey(
        SocialAccount, verbose_name=_("account"), on_delete=models.CASCADE, related_name="+"
    )

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
        more than 100k followers; top words: recall, batch, sick"."""
        return explanation(
            posts=self.posts,
            minutes=self.window_minutes,
            handle=self.account.handle,
            ratio=self.ratio,
            compared_with=self.baseline_label,
            big_authors=len(self.big_authors),
            big_reach=settings.LISTENING_WIDE_REACH,
            top_words=self.top_words,
        )


# --- templates ------------------------------------------------------------------------------


class Template(models.Model):
    """A holding statement or reply template with placeholders, approved ahead of time."""

    class Kind(models.TextChoices):
        HOLDING_STATEMENT = "holding_statement", _("Holding statement")
        REPLY = "reply", _("Reply")
        UPDATE = "update", _("Update")
        CORRECTION = "correction", _("Correction")

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    language = models.CharField(
        _("language"), max_length=10, default="en", help_text=_("e.g. en, tr")
    )
    body = models.TextField(
        _("text"),
        help_text=_(
            "Filled in: {reference}, {next_update}, {handle}, {author}; any other {word} is "
            "left for the writer to fill in."
        ),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    playbook_versions = models.ManyToManyField(
        "teams.PlaybookVersion",
        verbose_name=_("offered by the playbooks"),
        blank=True,
        related_name="templates",
        help_text=_("Playbook versions that offer this template in the composer."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("text last changed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["kind", "language", "name"]
        verbose_name = _("template")
        verbose_name_plural = _("templates")
        constraints = [
            models.UniqueConstraint(fields=["name", "language"], name="template_name_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


# --- outgoing messages ----------------------------------------------------------------------

INTERNAL_KINDS = ("staff_briefing", "stakeholder_update")


class Message(models.Model):
    """Something the brand says. Nothing leaves without the approvals its incident needs."""

    class Kind(models.TextChoices):
        TWEET = "tweet", _("Post")
        REPLY = "reply", _("Reply")
        QUOTE = "quote", _("Quote post")
        THREAD = "thread", _("Thread")
        CORRECTION = "correction", _("Correction")
        STAFF_BRIEFING = "staff_briefing", _("Staff briefing (internal)")
        STAKEHOLDER_UPDATE = "stakeholder_update", _("Stakeholder update")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_APPROVAL = "pending_approval", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        PUBLISHING = "publishing", _("Publishing")
        PUBLISHED = "published", _("Published")
        FAILED = "failed", _("Failed")
        REJECTED = "rejected", _("Rejected")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.PROTECT,
        related_name="messages",
    )
    account = models.ForeignKey(
        SocialAccount,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
        help_text=_("Empty for internal kinds: staff briefings and stakeholder updates."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TWEET)
    stakeholder_group = models.ForeignKey(
        "teams.StakeholderGroup",
        verbose_name=_("stakeholder group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
    )
    stakeholder_channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, blank=True
    )
    briefing_departments = models.ManyToManyField(
        "teams.Department",
        verbose_name=_("departments briefed"),
        blank=True,
        related_name="+",
        help_text=_("Empty: everyone."),
    )
    body = models.TextField(_("text"))
    reply_to_mention = models.ForeignKey(
        InboundPost,
        verbose_name=_("reply to mention"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replies",
    )
    reply_to_post_id = models.CharField(_("reply to post id"), max_length=40, blank=True)
    quote_post_id = models.CharField(_("quoted post id"), max_length=40, blank=True)
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
    )
    cited_claims = models.ManyToManyField(
        "incidents.Claim", verbose_name=_("cited claims"), blank=True, related_name="messages"
    )
    template = models.ForeignKey(
        Template,
        verbose_name=_("from template"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="messages",
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("text last changed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Whoever last changed the text is a writer too and cannot approve it."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    scheduled_at = models.DateTimeField(
        _("publish at"), null=True, blank=True, help_text=_("Empty: as soon as approved.")
    )
    approvals_required = models.PositiveSmallIntegerField(_("approvals required"), default=1)
    text_hash = models.CharField(_("hash of the submitted text"), max_length=64, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    attempt_token = models.UUIDField(_("publishing attempt"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("publishing attempts"), default=0)
    publishing_started_at = models.DateTimeField(_("publishing started at"), null=True, blank=True)
    lease_expires_at = models.DateTimeField(
        _("attempt held until"),
        null=True,
        blank=True,
        help_text=_(
            "While publishing: until when the worker that claimed it may still be talking to "
            "X; after that the attempt is checked against X and taken over."
        ),
    )
    unknown_outcome = models.BooleanField(
        _("X did not answer"),
        default=False,
        help_text=_("The attempt ended without X's answer: checked before anything is posted."),
    )
    checks = models.PositiveSmallIntegerField(
        _("checks of the attempt"),
        default=0,
        help_text=_("How often X was asked whether the attempt's posts exist."),
    )
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    held_since = models.DateTimeField(
        _("held by a pause since"),
        null=True,
        blank=True,
        help_text=_(
            "Approved while publishing was paused on its account, or found the pause when its "
            "turn came: it waits until a manager releases it."
        ),
    )
    not_released = models.BooleanField(
        _("not released after a pause"),
        default=False,
        help_text=_(
            "Its attempt was unsettled when a pause ended and the manager did not release it: "
            "X is asked what went out, and nothing more is posted."
        ),
    )
    queued_at = models.DateTimeField(
        _("publishing queued at"),
        null=True,
        blank=True,
        help_text=_("When a publishing task was last queued for it (the sweeper's bound)."),
    )
    last_error = models.TextField(_("last error"), blank=True)
    external_id = models.CharField(_("post id"), max_length=40, blank=True)
    external_url = models.URLField(_("post link"), max_length=300, blank=True)
    sandbox = models.BooleanField(_("published in sandbox"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["status", "-created_at"], name="message_status"),
            models.Index(fields=["incident", "-created_at"], name="message_incident"),
            # The sweeper's two questions: attempts whose lease ran out, approved messages due.
            models.Index(
                fields=["lease_expires_at"],
                condition=Q(status="publishing"),
                name="message_publishing_lease",
            ),
            models.Index(
                fields=["approved_at"], condition=Q(status="approved"), name="message_approved"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="published", published_at__isnull=False)
                | (~Q(status="published") & Q(published_at__isnull=True)),
                name="message_published_at_iff_published",
            ),
            models.CheckConstraint(
                condition=~Q(kind="reply")
                | Q(reply_to_mention__isnull=False)
                | ~Q(reply_to_post_id=""),
                name="message_reply_has_a_target",
            ),
            models.CheckConstraint(
                condition=~Q(kind="quote") | ~Q(quote_post_id=""),
                name="message_quote_has_a_target",
            ),
            models.CheckConstraint(
                condition=Q(approvals_required__gte=1), name="message_needs_an_approval"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=INTERNAL_KINDS, account__isnull=True)
                | (~Q(kind__in=INTERNAL_KINDS) & Q(account__isnull=False)),
                name="message_account_iff_posted_on_a_network",
            ),
            models.CheckConstraint(
                condition=~Q(kind="stakeholder_update")
                | (Q(stakeholder_group__isnull=False) & ~Q(stakeholder_channel="")),
                name="message_stakeholder_update_has_group_and_channel",
            ),
            models.UniqueConstraint(
                fields=["account", "external_id"],
                condition=~Q(external_id=""),
                name="message_post_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.body[:60]}"

    def get_absolute_url(self) -> str:
        return reverse("communications:message", kwargs={"pk": self.pk})

    @property
    def is_internal(self) -> bool:
        """Staff briefings and stakeholder updates: approved like posts, never on a network."""
        return self.kind in INTERNAL_KINDS


class ThreadPart(models.Model):
    """The second and later posts of a thread, each replying to the previous one."""

    message = models.ForeignKey(
        Message, verbose_name=_("thread"), on_delete=models.CASCADE, related_name="parts"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    body = models.TextField(_("text"))
    external_id = models.CharField(_("post id"), max_length=40, blank=True)

    class Meta:
        ordering = ["message", "position"]
        verbose_name = _("thread part")
        verbose_name_plural = _("thread parts")
        constraints = [
            models.UniqueConstraint(fields=["message", "position"], name="thread_part_position")
        ]

    def __str__(self) -> str:
        return f"{self.message_id}#{self.position}"


class Approval(models.Model):
    """A decision on a message, bound to the exact text it was made on (its hash)."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")

    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="approvals"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)
    text_hash = models.CharField(_("hash of the text decided on"), max_length=64)
    at = models.DateTimeField(_("at"), default=timezone.now)
    voided_at = models.DateTimeField(
        _("voided at"), null=True, blank=True, help_text=_("The text changed after this.")
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        constraints = [
            models.UniqueConstraint(
                fields=["message", "approver", "text_hash"],
                condition=Q(decision="approved", voided_at__isnull=True),
                name="approve_a_text_once",
            ),
            models.CheckConstraint(
                condition=Q(decision="approved") | ~Q(comment=""),
                name="refusal_needs_a_comment",
            ),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True) | Q(voided_at__gte=F("at")),
                name="voided_after_decided",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.approver}: {self.get_decision_display()}"


# --- the stop switch ------------------------------------------------------------------------


class PublishingPause(models.Model):
    """A manager's stop on publishing: for one account, or for every account (account empty).

    While a pause is active nothing is posted on its accounts and their mentions are not polled
    (a hacked account's tokens are not used). Resuming records who released which waiting
    messages; the rest went back to draft. One active pause per scope, by a constraint.
    """

    ALL = "all"

    account = models.ForeignKey(
        SocialAccount,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pauses",
        help_text=_("Empty: every account."),
    )
    scope = models.CharField(
        _("scope"), max_length=30, editable=False, help_text=_('"all", or the account\'s id.')
    )
    reason = models.TextField(_("reason"))
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("paused by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    paused_at = models.DateTimeField(_("paused at"), default=timezone.now)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resumed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resumed_at = models.DateTimeField(_("resumed at"), null=True, blank=True)
    released = models.JSONField(
        _("messages released"), default=list, blank=True, help_text=_("Their ids.")
    )
    returned = models.JSONField(
        _("messages sent back to draft"), default=list, blank=True, help_text=_("Their ids.")
    )

    class Meta:
        ordering = ["-paused_at", "-id"]
        verbose_name = _("publishing pause")
        verbose_name_plural = _("publishing pauses")
        constraints = [
            models.UniqueConstraint(
                fields=["scope"], condition=Q(resumed_at__isnull=True), name="one_pause_per_scope"
            ),
            models.CheckConstraint(
                condition=Q(account__isnull=True, scope="all")
                | Q(account__isnull=False) & ~Q(scope="all"),
                name="pause_scope_matches_account",
            ),
            models.CheckConstraint(
                condition=Q(resumed_at__isnull=True, resumed_by__isnull=True)
                | Q(resumed_at__isnull=False, resumed_by__isnull=False),
                name="pause_resumed_by_someone",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="pause_has_a_reason"),
        ]

    def __str__(self) -> str:
        return str(_("Publishing paused on %(where)s") % {"where": self.where})

    @property
    def where(self) -> str:
        """The account it holds, or "all accounts"."""
        return str(self.account) if self.account_id else str(_("all accounts"))

    @property
    def is_active(self) -> bool:
        return self.resumed_at is None


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
