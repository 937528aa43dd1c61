"""The postmortem of an incident: what people judged (sections in Markdown), what the record
says (facts computed, frozen when published), the review, and the action items that follow.
"""

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.models import Category
from incidents.rehearsals import RehearsalQuerySet

# The sections people write, in the order the report shows them.
SECTIONS = (
    ("summary", _("Summary")),
    ("impact", _("Impact")),
    ("detection", _("Detection")),
    ("response", _("Response")),
    ("recovery", _("Recovery and image-rebuild plan")),
    ("root_cause", _("Root cause")),
    ("contributing_factors", _("Contributing factors")),
    ("went_well", _("What went well")),
    ("went_badly", _("What went badly")),
    ("got_lucky", _("Where we got lucky")),
    ("lessons", _("Lessons")),
)
SECTION_MAX_LENGTH = 20_000
MAX_WHYS = 7


class PostmortemQuerySet(RehearsalQuerySet["Postmortem"]):
    drill_via = "incident"


class Postmortem(models.Model):
    """One per incident: a draft, then in review, then published (read-only; a correction
    starts a new revision and keeps the published ones)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        PUBLISHED = "published", _("Published")

    incident = models.OneToOneField(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.PROTECT,
        related_name="postmortem",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="postmortems",
    )
    revision = models.PositiveIntegerField(_("revision"), default=1)
    summary = models.TextField(_("summary"), blank=True)
    impact = models.TextField(_("impact"), blank=True)
    detection = models.TextField(_("detection"), blank=True)
    response = models.TextField(_("response"), blank=True)
    recovery = models.TextField(_("recovery and image-rebuild plan"), blank=True)
    root_cause_category = models.CharField(
        _("root cause category"), max_length=30, choices=Category.choices, blank=True
    )
    root_cause = models.TextField(_("root cause"), blank=True)
    five_whys = models.JSONField(_("five whys"), default=list, blank=True)
    contributing_factors = models.TextField(_("contributing factors"), blank=True)
    went_well = models.TextField(_("what went well"), blank=True)
    went_badly = models.TextField(_("what went badly"), blank=True)
    got_lucky = models.TextField(_("where we got lucky"), blank=True)
    lessons = models.TextField(_("lessons"), blank=True)
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewers"), blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted for review at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    facts = models.JSONField(
        _("facts as published"),
        default=dict,
        blank=True,
        help_text=_("Computed from the record; frozen when published, current while a draft."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PostmortemQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("postmortem")
        verbose_name_plural = _("postmortems")
        permissions = [("publish_postmortem", _("Can publish a postmortem"))]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="postmortem_published_has_time",
            )
        ]

    def __str__(self) -> str:
        return str(_("Postmortem of %(reference)s") % {"reference": self.incident.reference})

    def get_absolute_url(self) -> str:
        return reverse("postmortems:detail", kwargs={"reference": self.incident.reference})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def sections(self) -> list[tuple[str, str, str]]:
        """(field, title, Markdown text) in report order."""
        return [(field, str(title), getattr(self, field)) for field, title in SECTIONS]


class PostmortemRevision(models.Model):
    """A published revision, kept whole: the sections and the facts as they were published."""

    postmortem = models.ForeignKey(
        Postmortem,
        verbose_name=_("postmortem"),
        on_delete=models.CASCADE,
        related_name="revisions",
    )
    number = models.PositiveIntegerField(_("revision"))
    content = models.JSONField(_("content"))
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    correction = models.TextField(
        _("why it was corrected"), blank=True, help_text=_("Set when a later revision began.")
    )

    class Meta:
        ordering = ["postmortem", "-number"]
        verbose_name = _("published revision")
        verbose_name_plural = _("published revisions")
        constraints = [
            models.UniqueConstraint(fields=["postmortem", "number"], name="revision_once")
        ]

    def __str__(self) -> str:
        return f"{self.postmortem_id} r{self.number}"


class ReviewComment(models.Model):
    """What a reviewer said; kept for good."""

    postmortem = models.ForeignKey(
        Postmortem, verbose_name=_("postmortem"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT
    )
    section = models.CharField(_("section"), max_length=30, blank=True)
    text = models.TextField(_("comment"))
    revision = models.PositiveIntegerField(_("on revision"))
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")

    def __str__(self) -> str:
        return self.text[:60]


class KeyEvent(models.Model):
    """A timeline event marked for the report."""

    postmortem = models.ForeignKey(
        Postmortem,
        verbose_name=_("postmortem"),
        on_delete=models.CASCADE,
        related_name="key_events",
    )
    event = models.ForeignKey(
        "incidents.TimelineEvent", verbose_name=_("event"), on_delete=models.CASCADE
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    marked_at = models.DateTimeField(_("marked at"), default=timezone.now)

    class Meta:
        verbose_name = _("key event")
        verbose_name_plural = _("key events")
        constraints = [
            models.UniqueConstraint(fields=["postmortem", "event"], name="key_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.postmortem_id}: {self.event_id}"


class ActionItemQuerySet(RehearsalQuerySet["ActionItem"]):
    drill_via = "postmortem__incident"


class ActionItem(models.Model):
    """Something the team will do so the same crisis is handled better next time."""

    class Kind(models.TextChoices):
        PREVENT = "prevent", _("Prevent")
        DETECT = "detect", _("Detect")
        MITIGATE = "mitigate", _("Mitigate")
        PROCESS = "process", _("Process")
        TRAINING = "training", _("Training")

    class Priority(models.TextChoices):
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        WONT_DO = "wont_do", _("Won't do")

    postmortem = models.ForeignKey(
        Postmortem,
        verbose_name=_("postmortem"),
        on_delete=models.PROTECT,
        related_name="action_items",
    )
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="action_items",
    )
    due_date = models.DateField(_("due date"))
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default="open")
    follow_up_url = models.URLField(_("follow-up link"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        indexes = [
            models.Index(
                fields=["owner", "due_date"],
                condition=Q(status__in=["open", "in_progress"]),
                name="action_item_open_by_owner",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.IN_PROGRESS)

    def is_overdue(self, today: date | None = None) -> bool:
        return self.is_open and self.due_date < (today or timezone.localdate())


class ExportJob(models.Model):
    """A report too large to write while the browser waits, written by a worker.

    The file is kept on the row, not in a storage: the web and the worker need not share a
    disk, a report is a few megabytes, and a sweep deletes it after POSTMORTEM_EXPORT_KEEP_HOURS.
    Only the person who asked for it may read the job or download the file.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being written")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    IN_FLIGHT = (Status.QUEUED, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    postmortem = models.ForeignKey(
        Postmortem, verbose_name=_("postmortem"), on_delete=models.CASCADE, related_name="exports"
    )
    format = models.CharField(_("format"), max_length=8)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    content = models.BinaryField(_("content"), null=True, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        indexes = [
            models.Index(
                fields=["requested_by", "postmortem", "format"],
                condition=Q(status__in=["queued", "running"]),
                name="export_job_in_flight",
            ),
            models.Index(fields=["created_at"], name="export_job_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="export_job_progress_at_most_100"
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | Q(content__isnull=False, finished_at__isnull=False),
                name="export_job_ready_has_a_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename or self.format} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("postmortems:export-job", args=[self.pk])

    @property
    def in_flight(self) -> bool:
        return self.status in self.IN_FLIGHT
