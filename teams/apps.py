from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_groups(sender: AppConfig, apps: Any = None, **kwargs: Any) -> None:
    from django.apps import apps as global_apps

    from teams.permissions import sync_groups

    sync_groups(apps or global_apps)


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = _("Teams")

    def ready(self) -> None:
        # The data migration creates the groups; re-syncing after every migrate (and after a
        # flush, which tests use) keeps them equal to the matrix in teams/permissions.py.
        post_migrate.connect(_sync_groups, sender=self, dispatch_uid="teams.sync_groups")
