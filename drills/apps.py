from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrillsConfig(AppConfig):
    name = "drills"
    verbose_name = _("Drills")

    def ready(self) -> None:
        # A drill account's alert declared: that drill's incident (receivers.py).
        from . import receivers  # noqa: F401
