from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    """The incident's lifecycle as people and machines drive it: declaring, editing, moving,
    acknowledging. Each page and endpoint calls the one flow that performs the action across
    the apps (teams.flows, communications.flows, the core's services); sitting above them
    all, it never moves when a flow grows a step in a higher layer."""

    name = "desk"
    verbose_name = _("Incident desk")
