"""What the drills add to declaring from a listening alert (listening.alerts' signals, sent
from below: listening never imports the drills). An alert on a drill account is declared at its
scenario's severity, and the incident it declares is that drill's."""

from typing import Any

from django.dispatch import receiver

from communications.listening.alerts import alert_declared, severity_wanted
from communications.listening.models import Alert
from incidents.models import Incident

from .services import drill_incident_attach, drill_of_account, run_scenario


@receiver(severity_wanted, sender=Alert, dispatch_uid="drills.severity_wanted")
def scenario_severity(sender: type[Alert], alert: Alert, **kwargs: Any) -> int | None:
    run = drill_of_account(alert.account)
    return run_scenario(run).severity if run is not None else None


@receiver(alert_declared, sender=Alert, dispatch_uid="drills.alert_declared")
def drill_incident(sender: type[Alert], alert: Alert, incident: Incident, **kwargs: Any) -> None:
    drill_incident_attach(account=alert.account, incident=incident)
