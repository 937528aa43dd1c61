from django.db import models
from django.utils.translation import gettext_lazy as _


class CommunicationsRights(models.Model):
    """Carries the communications permissions; no table.

    ``communications.approve_message`` must exist from the first release because the Manager
    group is defined by it. When outgoing messages arrive, the permission moves to them.
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("approve_message", _("Can approve outgoing messages"))]
        verbose_name = _("communications right")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
