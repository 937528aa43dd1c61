"""What the brand says: templates, messages (with the parts of a thread) and their approvals."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from communications.accounts.models import SocialAccount
from communications.listening.models import InboundPost
from incidents.rehearsals import RehearsalQuerySet
from teams.models import Channel, DeliveryState


class Template(models.Model):
    """A holding statement or reply template with placeholders, approved ahead of time."""

    class Kind(models.TextChoices):
        HOLDING_STATEMENT = "holding_statement", _("Holding statement")
        REPLY = "reply", _("Reply")
        UPDATE = "update", _("Update")
        CORRECTION = "correction", _("Correction")
        PAGE = "page", _("Prepared statement page")

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
    headline = models.CharField(
        _("public headline"),
        max_length=200,
        blank=True,
        help_text=_("A prepared statement page's title for the public (prepared pages only)."),
    )
    faq = models.TextField(
        _("questions and answers"),
        blank=True,
        help_text=_(
            "A prepared statement page's questions and answers, in Markdown (prepared pages only)."
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
            models.UniqueConstraint(fields=["name", "language"], name="template_name_per_language"),
            models.CheckConstraint(
                condition=~Q(kind="page") | ~Q(headline=""), name="prepared_page_has_a_headline"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


# --- outgoing messages ----------------------------------------------------------------------

INTERNAL_KINDS = ("staff_briefing", "stakeholder_update")
# Kinds that go out without a social account: the internal ones, and the statement page's
# updates (public, but published on the brand's own page, not on a network).
ACCOUNTLESS_KINDS = (*INTERNAL_KINDS, "page_update")


class MessageQuerySet(RehearsalQuerySet["Message"]):
    drill_via = "incident"


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
        PAGE_UPDATE = "page_update", _("Statement page update")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_APPROVAL = "pending_approval", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        PUBLISHING = "publishing", pgettext_lazy("message status", "Publishing")
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
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        help_text=_("A statement page update: the page it goes on (tr, en)."),
    )
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

    objects = MessageQuerySet.as_manager()

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
                condition=Q(kind__in=ACCOUNTLESS_KINDS, account__isnull=True)
                | (~Q(kind__in=ACCOUNTLESS_KINDS) & Q(account__isnull=False)),
                name="message_account_iff_posted_on_a_network",
            ),
            models.CheckConstraint(
                condition=~Q(kind="page_update") | ~Q(language=""),
                name="message_page_update_has_a_language",
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

    @property
    def has_account(self) -> bool:
        """Posts on a network need an account; internal kinds and page updates have none."""
        return self.kind not in ACCOUNTLESS_KINDS


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


class WordingRule(models.Model):
    """One of the brand's rules for its words, checked before a message is submitted and
    again on the approver's page (communications.messaging.preflight). A "never say" rule
    blocks; a tone or link rule warns, and the approver approves knowingly. Managers keep them
    (communications.messaging.services.wording); every change is on record
    (WordingRuleChange)."""

    class Kind(models.TextChoices):
        NEVER_SAY = "never_say", _("Never say (blocks)")
        TONE = "tone", _("Tone (warns)")

    class Shape(models.TextChoices):
        PHRASES = "phrases", _("These words or phrases")
        CAPITALS = "capitals", _("Words in capitals (two or more in a row)")
        MARKS = "marks", _("Runs of !!! or ???")
        LINKS = "links", _("Links outside these domains")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TONE)
    shape = models.CharField(
        _("what it looks for"), max_length=20, choices=Shape.choices, default=Shape.PHRASES
    )
    words = models.TextField(
        _("words"),
        blank=True,
        help_text=_(
            "One per line, in any language: the phrases it flags, or the domains links may go to."
        ),
    )
    reason = models.TextField(
        _("why"), help_text=_("Said beside every word it flags: why the brand avoids it.")
    )
    examples_flagged = models.TextField(
        _("examples it flags"),
        help_text=_("One per line, Turkish and English: each must be flagged by this rule."),
    )
    examples_passed = models.TextField(
        _("examples it must not flag"),
        help_text=_("One per line, Turkish and English: none may be flagged by this rule."),
    )
    is_active = models.BooleanField(_("in force"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for the rules Crisis Desk starts with."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("wording rule")
        verbose_name_plural = _("wording rules")
        constraints = [
            models.CheckConstraint(
                condition=~Q(shape__in=["phrases", "links"]) | ~Q(words=""),
                name="wording_rule_phrases_have_words",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="wording_rule_has_a_reason"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communications:wording-rule", kwargs={"pk": self.pk})


class WordingRuleChange(models.Model):
    """A wording rule written, changed or retired: who, when, why, and what it was before."""

    class Action(models.TextChoices):
        ADDED = "added", _("Added")
        CHANGED = "changed", _("Changed")
        RETIRED = "retired", _("Retired")
        RESTORED = "restored", _("Put back in force")

    rule = models.ForeignKey(
        WordingRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="changes"
    )
    action = models.CharField(_("what"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("why"))
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("wording rule change")
        verbose_name_plural = _("wording rule changes")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="wording_change_has_a_reason")
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


# The public statement page's key in incidents.live: bumped when what it shows changes.
STATEMENT_PAGE = "statement-page"


class StatementPage(models.Model):
    """An incident on the brand's public statement page: its public headline, and whether it
    is on the page now. Its approved page updates (Message.Kind.PAGE_UPDATE) are what the page
    says; switched off, the incident stays in the page's archive with its final statement. A
    drill's page is never public."""

    incident = models.OneToOneField(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.PROTECT,
        related_name="statement_page",
    )
    headline = models.CharField(
        _("public headline"),
        max_length=200,
        help_text=_(
            "What the public reads as its title, e.g. “Batch 24-117 of our mango juice”: never "
            "the team's working title."
        ),
    )
    prepared = models.JSONField(
        _("prepared page"),
        default=dict,
        blank=True,
        help_text=_(
            "Switched on from a playbook's prepared page: per language, its headline, opening "
            "statement and questions and answers, with the incident's facts filled in."
        ),
    )
    prepared_from = models.CharField(_("prepared page used"), max_length=150, blank=True)
    is_live = models.BooleanField(_("on the page"), default=True)
    switched_on_at = models.DateTimeField(_("switched on at"), default=timezone.now)
    switched_on_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("switched on by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    switched_off_at = models.DateTimeField(_("switched off at"), null=True, blank=True)
    switched_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("switched off by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    live_keys = (STATEMENT_PAGE,)

    class Meta:
        ordering = ["-switched_on_at", "-id"]
        verbose_name = _("statement page")
        verbose_name_plural = _("statement pages")
        constraints = [
            models.CheckConstraint(condition=~Q(headline=""), name="statement_page_has_a_headline"),
            models.CheckConstraint(
                condition=Q(is_live=True, switched_off_at__isnull=True)
                | Q(is_live=False, switched_off_at__isnull=False),
                name="statement_page_off_iff_switched_off",
            ),
        ]

    def __str__(self) -> str:
        return self.headline

    def headline_in(self, language: str) -> str:
        """The headline the public reads in ``language``: the prepared page's in that language
        when it was switched on from one, else the one headline."""
        prepared = (self.prepared or {}).get(language) or {}
        return prepared.get("headline") or self.headline


# --- the statement page's subscribers -------------------------------------------------------


class PageSubscriber(models.Model):
    """Someone who asked for the statement page's updates by email, in one language. Personal
    data: the address is used only to send them (never shown in the API, exports or the admin)
    and deleted, with everything sent to it, when they unsubscribe or do not confirm in time.
    ``key`` is the secret in their confirmation and unsubscribe links."""

    email = models.EmailField(_("email address"), max_length=254)
    language = models.CharField(_("language"), max_length=10)
    key = models.CharField(_("link key"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("statement page subscriber")
        verbose_name_plural = _("statement page subscribers")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="page_subscriber_once_per_address"),
            models.CheckConstraint(condition=~Q(email=""), name="page_subscriber_has_an_address"),
        ]
        indexes = [
            # The fan-out reads the confirmed ones of a language.
            models.Index(
                fields=["language"],
                condition=Q(confirmed_at__isnull=False),
                name="page_subscriber_confirmed",
            )
        ]

    def __str__(self) -> str:
        return f"subscriber {self.pk} ({self.language})"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class PageDelivery(DeliveryState):
    """One email to one subscriber: the confirmation they asked for (no message), or one
    published page update. Kept and sent by the same machinery as notifications
    (teams.deliveries); gone with the subscriber."""

    subscriber = models.ForeignKey(
        PageSubscriber,
        verbose_name=_("subscriber"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    message = models.ForeignKey(
        Message,
        verbose_name=_("page update"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("email to a subscriber")
        verbose_name_plural = _("emails to subscribers")
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "message"], name="page_delivery_once_per_update"
            ),
            models.UniqueConstraint(
                fields=["subscriber"],
                condition=Q(message__isnull=True),
                name="page_delivery_one_confirmation",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(status="pending"),
                name="page_delivery_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscriber_id} ← {self.message_id or 'confirmation'}: {self.status}"
