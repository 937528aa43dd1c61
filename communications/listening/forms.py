"""The alert page's two decisions: declare an incident from it, or dismiss it."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from communications.drills.services import drill_of_account, run_scenario
from communications.models import Alert
from incidents.models import Severity
from teams.playbooks.selectors import playbook_current, playbooks_to_declare_from

from .alerts import DEFAULT_SEVERITY, alert_title


class AlertDeclareForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    severity = forms.TypedChoiceField(
        label=_("Severity"), choices=Severity.choices, coerce=int, initial=DEFAULT_SEVERITY
    )
    playbook = forms.ModelChoiceField(
        label=_("Playbook"),
        queryset=playbooks_to_declare_from(),
        required=False,
        empty_label=_("No playbook"),
    )

    def __init__(self, *args: Any, alert: Alert, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].widget.attrs["placeholder"] = alert_title(alert)
        suggested = alert.suggested_playbook
        if suggested is not None and suggested.archived_at is None:
            self.fields["playbook"].initial = suggested.pk
            version = playbook_current(suggested)
            if version is not None and version.severity_hint:
                self.fields["severity"].initial = version.severity_hint
            if alert.suggested_because:
                self.fields["playbook"].help_text = _("Suggested: %(because)s") % {
                    "because": alert.suggested_because
                }
        run = drill_of_account(alert.account)
        if run is not None:  # a drill is declared at its scenario's severity
            self.fields["severity"].initial = run_scenario(run).severity


class AlertDismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Why no incident?"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. our own launch campaign")}),
    )
