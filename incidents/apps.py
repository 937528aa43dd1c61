from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _

from config.search import register_fold_on_sqlite
from incidents.live import row_changed


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incidents")

    def ready(self) -> None:
        # Every write that concerns an incident or a person tells the pages showing it
        # (incidents.live): one rule for every app, none of which needs to remember it.
        post_save.connect(row_changed, dispatch_uid="incidents.live.saved")
        post_delete.connect(row_changed, dispatch_uid="incidents.live.deleted")
        # Search folds Turkish alike on every database (config.search); SQLite needs the fold.
        connection_created.connect(register_fold_on_sqlite, dispatch_uid="config.search.fold")
