"""The alerts page, one alert (its explanation, chart and top posts) and its two decisions:
declare an incident from it, or dismiss it. Thin: parse, call one service, render."""

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from communications.forms import AlertAttachForm, AlertDeclareForm, AlertDismissForm
from communications.listening import alerts, selectors
from communications.listening.filters import AlertFilter
from communications.listening.selectors import DAY
from communications.models import Alert
from config.http import HttpRequest, forbidden, run_form
from config.people import person_require_signed_in
from config.permissions import DECLARE_INCIDENT, EDIT_INCIDENT, TRIAGE_MENTIONS, holds
from incidents import live
from incidents.models import Incident
from teams.models import Risk

PAGE_SIZE = 25


@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    filterset = AlertFilter(request.GET, queryset=selectors.alert_list(user=request.user))
    rows = filterset.qs if filterset.is_valid() else Alert.objects.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "communications/listening/alerts.html",
        {"filter": filterset, "page": page, "live_on": live.DESK},
        status=400 if filterset.errors else 200,
    )


def _detail(
    request: HttpRequest,
    alert: Alert,
    *,
    declare_form: BaseForm | None = None,
    dismiss_form: BaseForm | None = None,
    attach_form: BaseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_decide = alert.status == Alert.Status.OPEN
    if attach_form is None and can_decide and holds(request.user, EDIT_INCIDENT):
        attach_form = AlertAttachForm(alert=alert)
    return render(
        request,
        "communications/listening/alert.html",
        {
            "alert": alert,
            "top_posts": list(selectors.alert_top_posts(alert)),
            "declare_form": (declare_form or AlertDeclareForm(alert=alert))
            if can_decide and holds(request.user, DECLARE_INCIDENT)
            else None,
            "dismiss_form": (dismiss_form or AlertDismissForm())
            if can_decide and holds(request.user, TRIAGE_MENTIONS)
            else None,
            "chart": selectors.alert_chart(alert),
            # Only when there is an open incident to add it to.
            "attach_form": attach_form
            if isinstance(attach_form, AlertAttachForm)
            and can_decide
            and holds(request.user, TRIAGE_MENTIONS)
            and attach_form.has_choices
            else None,
        },
        status=status,
    )


@require_GET
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.alert_get(user=request.user, pk=pk))


@require_POST
def alert_declare(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get(user=request.user, pk=pk)
    if not holds(request.user, DECLARE_INCIDENT):
        return forbidden(request, _("Your role does not allow you to declare incidents."))
    form = AlertDeclareForm(request.POST, alert=alert)
    declared: list[Any] = []
    failed = run_form(
        form,
        lambda: declared.append(
            alerts.alert_declare(
                actor=person_require_signed_in(request.user),
                alert=alert,
                title=form.cleaned_data["title"],
                severity=form.cleaned_data["severity"],
                playbook=form.cleaned_data["playbook"],
            )
        ),
    )
    if failed is not None:
        return _detail(request, alert, declare_form=form, status=failed.status_code)
    incident = declared[0]
    messages.success(
        request,
        _("%(reference)s declared from the alert, with its top posts linked.")
        % {"reference": incident.reference},
    )
    return redirect(incident.get_absolute_url())


@require_POST
def alert_attach(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get(user=request.user, pk=pk)
    if not holds(request.user, EDIT_INCIDENT) or not holds(request.user, TRIAGE_MENTIONS):
        return forbidden(request, _("Your role does not allow you to add alerts to incidents."))
    form = AlertAttachForm(request.POST, alert=alert)
    added: list[Incident] = []
    failed = run_form(
        form,
        lambda: added.append(
            alerts.alert_attach(
                actor=person_require_signed_in(request.user),
                alert=alert,
                incident=form.cleaned_data["incident"],
            )
        ),
    )
    if failed is not None:
        return _detail(request, alert, attach_form=form, status=failed.status_code)
    messages.success(
        request,
        _("The alert was added to %(reference)s, with its top posts linked.")
        % {"reference": added[0].reference},
    )
    return redirect(added[0].get_absolute_url())


@require_POST
def alert_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get(user=request.user, pk=pk)
    if not holds(request.user, TRIAGE_MENTIONS):
        return forbidden(request, _("Your role does not allow you to dismiss alerts."))
    form = AlertDismissForm(request.POST)
    failed = run_form(
        form,
        lambda: alerts.alert_dismiss(
            actor=person_require_signed_in(request.user),
            alert=alert,
            reason=form.cleaned_data["reason"],
        ),
    )
    if failed is not None:
        return _detail(request, alert, dismiss_form=form, status=failed.status_code)
    messages.success(request, _("Alert dismissed."))
    return redirect(alert.get_absolute_url())


# --- panels of other pages ------------------------------------------------------------------

DASHBOARD_ALERTS = 5


def listening_dashboard_context(request: HttpRequest) -> dict[str, Any]:
    now = timezone.now()
    open_alerts = selectors.open_alerts(user=request.user)
    account = selectors.busiest_account(since=now - DAY)
    return {
        "open_alerts": list(open_alerts[:DASHBOARD_ALERTS]),
        "open_alert_count": open_alerts.count(),
        "chart": selectors.chart(account=account, since=now - DAY, until=now) if account else None,
    }


def incident_volume_context(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    """Since detection (and the two hours before it), on the account the alert it was declared
    from watched, else the one most of its mentions came to."""
    alert = selectors.incident_alert(incident)
    account = alert.account if alert is not None else selectors.incident_account(incident)
    until = incident.resolved_at or timezone.now()
    since = min(incident.detected_at, until) - timedelta(hours=2)
    return {
        "incident": incident,
        "alert": alert,
        "chart": selectors.chart(account=account, since=since, until=until) if account else None,
    }


RISK_DAYS = 7


def risk_volume_context(request: HttpRequest, risk: Risk) -> dict[str, Any]:
    """A risk's early warning: the last week's posts using its watch terms, on the account
    with the most posts (the dashboard's)."""
    now = timezone.now()
    since = now - RISK_DAYS * DAY
    account = selectors.busiest_account(since=since) if risk.terms else None
    return {
        "risk": risk,
        "chart": selectors.chart(account=account, since=since, until=now, risk=risk)
        if account is not None
        else None,
    }
