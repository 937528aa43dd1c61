"""The brand's social accounts, the search terms listened to for them, and the stop switch."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.live import PAUSES
from incidents.rehearsals import RehearsalQuerySet, is_rehearsal

# --- social accounts ------------------------------------------------------------------------


class Platform(models.TextChoices):
    X = "x", _("X (Twitter)")


class SocialAccountQuerySet(RehearsalQuerySet["SocialAccount"]):
    """Accounts, real or a drill's (``.real()``, ``.rehearsals()``)."""


class SocialAccount(models.Model):
    """A brand account messages are published from. Credentials are encrypted at rest
    (communications.accounts.crypto); without credentials the account publishes in sandbox mode."""

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

    objects = SocialAccountQuerySet.as_manager()

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
            is_rehearsal(self)
            or self.auth_kind == self.AuthKind.NONE
            or not self.credentials_encrypted
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

    # Every open page shows the stop switch's banner (incidents.live).
    live_keys = (PAUSES,)

    def __str__(self) -> str:
        return str(_("Publishing paused on %(where)s") % {"where": self.where})

    @property
    def where(self) -> str:
        """The account it holds, or "all accounts"."""
        return str(self.account) if self.account_id else str(_("all accounts"))

    @property
    def is_active(self) -> bool:
        return self.resumed_at is None
