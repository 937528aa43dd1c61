"""People: who logs in, their profile, and the departments they work in."""

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """Where people work; a crisis team draws from all of them."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


def validate_timezone(value: str) -> None:
    if not value:
        return
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            _("“%(value)s” is not a timezone name like Europe/Istanbul."),
            params={"value": value},
        ) from exc


class User(AbstractUser):
    """A person who logs in, and their profile. Groups carry what they may do."""

    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
    )
    title = models.CharField(_("job title"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    timezone = models.CharField(
        _("timezone"),
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text=_("Times are shown in this zone; empty: the browser's zone."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_(
            "Pages, emails and chat notifications are in this language; empty: the browser's "
            "language on pages, the site's in emails and chat."
        ),
    )
    webhook_url = models.URLField(
        _("chat webhook"),
        max_length=500,
        blank=True,
        help_text=_("A Slack or Microsoft Teams incoming-webhook URL for your notifications."),
    )

    class Meta(AbstractUser.Meta):
        ordering = ["first_name", "last_name", "username"]
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class PersonChange(models.Model):
    """One change to who a person is or what they may do (username, email address, groups,
    permissions, status, password, second factor), with who made it and each value before and
    after. Kept for good: the person is told of each (teams.security.services)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="account_changes",
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
        verbose_name = _("account change")
        verbose_name_plural = _("account changes")

    def __str__(self) -> str:
        return self.what
