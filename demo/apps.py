from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data `make run` loads (manage.py seed_demo). It sits above every app: it
    declares incidents, drafts messages and staffs roles through their services, the way
    people do."""

    name = "demo"
    verbose_name = _("Demo data")
