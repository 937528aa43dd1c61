"""Notifications: one per person, reason and subject, delivered in-app, by email and by chat."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
    APPROVERS_SHORT = "approvers_short", _("Too few people can approve a message")
    MENTION_ESCALATED = "mention_escalated", _("A mention was escalated to you")
    MENTION_ASSIGNED = "mention_assigned", _("A mention was given to you to handle")
    DEADLINE_REMINDER = "deadline_reminder", _("A deadline of yours is coming up")
    DEADLINE_ESCALATED = "deadline_escalated", _("A deadline was missed and escalated to you")
    LISTENING_ALERT = "listening_alert", _("Mentions spiked far above their usual level")
    CREDENTIALS_STALE = (
        "credentials_stale",
        _("A social account's credentials are due for rotation"),
    )
    ACCOUNT_CHANGED = "account_changed", _("Your account was changed by someone else")


# A change to someone's account is how they learn that someone else may be getting into it:
# it always goes to their email address (and to the one it replaced), whatever they chose,
# so it is not among the reasons a person picks channels for.
CHOOSABLE_REASONS = tuple(reason for reason in Reason if reason != Reason.ACCOUNT_CHANGED)


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
            ),
            # Everyone notified about one subject (a staff briefing's progress).
            models.Index(fields=["reason", "subject"], name="notification_about"),
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


class DeliveryState(models.Model):
    """What the delivery machinery (teams.deliveries) keeps of getting one thing to one
    receiver: pending until sent or failed for good, its attempts, its next attempt and the
    attempt that holds it. Notifications' deliveries and the statement page's emails to its
    subscribers are both kept this way."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    queued_at = models.DateTimeField(
        _("queued at"),
        null=True,
        blank=True,
        help_text=_("When a task was last queued for it; empty once an attempt took it."),
    )
    next_attempt_at = models.DateTimeField(
        _("next attempt at"),
        null=True,
        blank=True,
        help_text=_("After a failure that may pass: the next attempt is not made before."),
    )
    claimed_until = models.DateTimeField(
        _("held until"),
        null=True,
        blank=True,
        help_text=_("An attempt is sending it; past this time its worker is presumed gone."),
    )
    claim = models.UUIDField(_("attempt token"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class Delivery(DeliveryState):
    """Getting one notification out through one channel. The row is the truth, never the queue
    (teams.deliveries): pending until sent or failed for good, every attempt recorded."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        WEBHOOK = "webhook", _("Chat webhook")

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    target = models.CharField(_("sent to"), max_length=500)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_once_per_channel"
            )
        ]
        indexes = [
            # The sweep reads the pending ones, oldest first.
            models.Index(
                fields=["created_at"],
                condition=Q(status="pending"),
                name="delivery_pending",
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
