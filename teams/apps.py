from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from config.permissions import sync_groups
from teams.catalogue import policies_ensure, roles_ensure


def _sync_groups(sender: AppConfig, apps: Apps | None = None, **kwargs: Any) -> None:
    sync_groups(apps or global_apps)
    roles_ensure(apps or global_apps)
    policies_ensure(apps or global_apps)


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = _("Teams")

    def ready(self) -> None:
        # Data migrations create the groups and the role catalogue; syncing again after every
        # migrate (and after a flush, which tests use) keeps the groups equal to the matrix in
        # config/permissions.py and the roles the code refers to present.
        post_migrate.connect(_sync_groups, sender=self, dispatch_uid="teams.sync_groups")
