"""The response schedule's pages: a deadline with its chain (acknowledge, snooze), the war
room's deadlines panel, a person's deadlines, the overdue overview, the response policies and
the engine's health.

Every reminder and escalation links to the deadline's page, so whoever is told can act on it
in one click. The war room shows the panel through the ``deadlines_panel`` inclusion tag
(teams/templatetags/team_panels.py), which asks the same context builder as the panel's own
htmx endpoint.
"""

import re
from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import formset_factory
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import ApplicationError, form_error
from config.http import HttpRequest, forbidden, run_form
from config.people import person_require_signed_in
from config.permissions import MANAGE_ONCALL, MANAGE_POLICIES, WORK_DEADLINES, holds
from incidents import selectors as incident_selectors
from incidents.models import Incident
from teams.models import Deadline, ResponsePolicy
from teams.schedule import engine, policies
from teams.schedule import selectors as schedule

DEADLINE_PAGE = "teams/schedule/deadline.html"
DEADLINES_PANEL = "teams/schedule/_incident_panel.html"
PAGE_SIZE = 25
# Whoever sees to it that escalations reach people (managers and admins) reads the engine's
# health.
SEE_ENGINE_HEALTH = MANAGE_ONCALL


# --- forms ----------------------------------------------------------------------------------


class AcknowledgeForm(forms.Form):
    # Required by the service, which says why in the timeline's words.
    reason = forms.CharField(label=gettext_lazy("Why"), required=False)


class SnoozeForm(forms.Form):
    # One of engine.SNOOZE_MINUTES: the service says which when it is not.
    minutes = forms.CharField(label=gettext_lazy("Snooze for"), required=False)
    reason = forms.CharField(label=gettext_lazy("Why"), required=False)


def _policy_field(name: str) -> Any:
    return ResponsePolicy._meta.get_field(name)


def _minutes_field(name: str, *, required: bool = True) -> forms.IntegerField:
    field = _policy_field(name)
    return forms.IntegerField(
        label=capfirst(field.verbose_name), required=required, help_text=field.help_text
    )


class PolicyForm(forms.Form):
    """The policy's durations; the service (policies.policy_update) decides what is sound."""

    acknowledge_minutes = _minutes_field("acknowledge_minutes")
    statement_minutes = _minutes_field("statement_minutes", required=False)
    update_minutes = _minutes_field("update_minutes", required=False)
    mention_reply_minutes = _minutes_field("mention_reply_minutes")
    mention_reply_by_reach = forms.CharField(
        label=capfirst(_policy_field("mention_reply_by_reach").verbose_name),
        required=False,
        help_text=gettext_lazy(
            "Followers=minutes, separated by commas: e.g. 10000=15, 1000=30 answers an author "
            "with 10,000 followers or more within 15 minutes."
        ),
    )
    approvals_required = _minutes_field("approvals_required")
    repeat_minutes = _minutes_field("repeat_minutes")
    repeat_times = _minutes_field("repeat_times")

    def clean_mention_reply_by_reach(self) -> dict[str, str]:
        pairs: dict[str, str] = {}
        for part in re.split(r"[,;\n]", self.cleaned_data["mention_reply_by_reach"] or ""):
            part = part.strip()
            if not part:
                continue
            followers, equals, minutes = part.partition("=")
            if not equals:
                raise forms.ValidationError(
                    _("Write each as followers=minutes, e.g. 10000=15 (not “%(part)s”).")
                    % {"part": part}
                )
            pairs[followers.strip().replace("_", "")] = minutes.strip()
        return pairs

    @staticmethod
    def initial_of(policy: ResponsePolicy) -> dict[str, Any]:
        return {
            "acknowledge_minutes": policy.acknowledge_minutes,
            "statement_minutes": policy.statement_minutes,
            "update_minutes": policy.update_minutes,
            "mention_reply_minutes": policy.mention_reply_minutes,
            "mention_reply_by_reach": ", ".join(f"{f}={m}" for f, m in _by_reach(policy)),
            "approvals_required": policy.approvals_required,
            "repeat_minutes": policy.repeat_minutes,
            "repeat_times": policy.repeat_times,
        }


class StepForm(forms.Form):
    """One row of the chain; a row left empty is no step."""

    offset_minutes = forms.IntegerField(
        label=gettext_lazy("Minutes from the due time"), required=False
    )
    targets = forms.MultipleChoiceField(
        label=gettext_lazy("Notify"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, target_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["targets"].choices = target_choices  # type: ignore[attr-defined]

    def step(self) -> dict[str, Any] | None:
        offset = self.cleaned_data.get("offset_minutes")
        targets = self.cleaned_data.get("targets") or []
        if offset is None and not targets:
            return None
        return {"offset_minutes": offset, "targets": targets}


def _step_formset(policy: ResponsePolicy, data: Any = None) -> Any:
    """The chain's rows: its steps, then empty rows to add some (ten at most)."""
    initial = [
        {"offset_minutes": step.offset_minutes, "targets": list(step.targets)}
        for step in policy.steps.all()
    ]
    extra = max(0, min(2, policies.MAX_STEPS - len(initial)))
    formset_class = formset_factory(
        StepForm, extra=extra, max_num=policies.MAX_STEPS, absolute_max=policies.MAX_STEPS
    )
    # Posted rows stand alone: a row equal to the step it started as must still count.
    return formset_class(
        data,
        initial=initial if data is None else None,
        prefix="steps",
        form_kwargs={"target_choices": policies.target_choices()},
    )


# --- a deadline -----------------------------------------------------------------------------


def _deadline_context(
    request: HttpRequest,
    deadline: Deadline,
    *,
    acknowledge_form: AcknowledgeForm | None = None,
    snooze_form: SnoozeForm | None = None,
) -> dict[str, Any]:
    labels = schedule.target_labels()
    return {
        "deadline": deadline,
        "overdue": deadline.is_overdue(),
        "chain": schedule.deadline_chain(deadline, labels),
        "next": schedule.next_notification(deadline, labels),
        "can_work": holds(request.user, WORK_DEADLINES) and deadline.is_open,
        "acknowledge_form": acknowledge_form or AcknowledgeForm(),
        "snooze_form": snooze_form or SnoozeForm(),
        "snooze_choices": engine.SNOOZE_MINUTES,
    }


@require_GET
def deadline(request: HttpRequest, pk: int) -> HttpResponse:
    found = schedule.deadline_get(user=request.user, pk=pk)
    return render(request, DEADLINE_PAGE, _deadline_context(request, found))


def _may_not_work(request: HttpRequest) -> HttpResponse | None:
    if holds(request.user, WORK_DEADLINES):
        return None
    return forbidden(
        request, _("Your role does not allow you to acknowledge or snooze a deadline's escalation.")
    )


def _refused(request: HttpRequest, deadline: Deadline, failed: ApplicationError) -> HttpResponse:
    """The deadline's state refuses the action (met, cancelled, acknowledged meanwhile): back
    to its page, which shows that state, with the reason said."""
    messages.error(request, failed.message)
    return redirect(deadline)


@require_POST
def deadline_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    found = schedule.deadline_get(user=request.user, pk=pk)
    if refused := _may_not_work(request):
        return refused
    form = AcknowledgeForm(request.POST)
    failed = run_form(
        form,
        lambda: engine.deadline_acknowledge(
            actor=person_require_signed_in(request.user),
            deadline=found,
            reason=form.cleaned_data["reason"],
        ),
    )
    if failed is None:
        messages.success(
            request, _("Escalation acknowledged: nobody else will be told about this deadline.")
        )
        return redirect(found)
    if failed.field is None:
        return _refused(request, found, failed)
    return render(request, DEADLINE_PAGE, _deadline_context(request, found, acknowledge_form=form))


@require_POST
def deadline_snooze(request: HttpRequest, pk: int) -> HttpResponse:
    found = schedule.deadline_get(user=request.user, pk=pk)
    if refused := _may_not_work(request):
        return refused
    form = SnoozeForm(request.POST)
    failed = run_form(
        form,
        lambda: engine.deadline_snooze(
            actor=person_require_signed_in(request.user),
            deadline=found,
            minutes=form.cleaned_data["minutes"],
            reason=form.cleaned_data["reason"],
        ),
    )
    if failed is None:
        messages.success(
            request,
            _("Escalation snoozed for %(minutes)d minutes.")
            % {"minutes": int(form.cleaned_data["minutes"])},
        )
        return redirect(found)
    if failed.field is None:
        return _refused(request, found, failed)
    return render(request, DEADLINE_PAGE, _deadline_context(request, found, snooze_form=form))


# --- the war room's panel -------------------------------------------------------------------


def incident_deadlines_context(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    """What the war room's deadlines panel needs: the open deadlines with who is told next,
    and the public-silence clock of a severe incident."""
    deadlines = schedule.deadlines_for_incident(incident=incident)
    labels = schedule.target_labels() if deadlines else {}
    now = timezone.now()
    return {
        "request": request,
        "incident": incident,
        "rows": [
            {
                "deadline": d,
                "overdue": d.due_at < now,
                "snoozed": d.snoozed_until is not None and d.snoozed_until > now,
                "next": schedule.next_notification(d, labels),
            }
            for d in deadlines
        ],
        "clock": schedule.silence_clock(incident, deadlines),
    }


@require_GET
def incident_deadlines(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_selectors.incident_get(user=request.user, reference=reference)
    return render(request, DEADLINES_PANEL, incident_deadlines_context(request, incident))


# --- lists ----------------------------------------------------------------------------------


def _page(request: HttpRequest, rows: Any) -> Any:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


@require_GET
def my_deadlines(request: HttpRequest) -> HttpResponse:
    page = _page(request, schedule.deadlines_of(person=person_require_signed_in(request.user)))
    return render(request, "teams/schedule/mine.html", {"page": page, "now": timezone.now()})


@require_GET
def overdue(request: HttpRequest) -> HttpResponse:
    incidents = list(schedule.incidents_with_overdue(user=request.user))
    reference = request.GET.get("incident")
    chosen = next((i for i in incidents if i.reference == reference), None)
    found = schedule.overdue(user=request.user, incident=chosen)
    if reference and chosen is None:
        found = found.none()  # an incident with nothing overdue
    page = _page(request, found)
    return render(
        request,
        "teams/schedule/overdue.html",
        {"page": page, "incidents": incidents, "chosen": chosen, "now": timezone.now()},
    )


# --- policies -------------------------------------------------------------------------------


def _chain(policy: ResponsePolicy, labels: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "step": step,
            "minutes": abs(step.offset_minutes),
            "whom": schedule.label_targets(step.targets, labels),
        }
        for step in policy.steps.all()
    ]


def _by_reach(policy: ResponsePolicy) -> list[tuple[int, int]]:
    """Sooner replies by reach, widest reach first."""
    return sorted(
        ((int(f), int(m)) for f, m in policy.mention_reply_by_reach.items()), reverse=True
    )


@require_GET
def policy_list(request: HttpRequest) -> HttpResponse:
    labels = schedule.target_labels()
    return render(
        request,
        "teams/schedule/policies.html",
        {
            "rows": [
                {"policy": p, "chain": _chain(p, labels), "by_reach": _by_reach(p)}
                for p in schedule.policies(user=request.user)
            ],
            "can_edit": holds(request.user, MANAGE_POLICIES),
        },
    )


@require_GET
def policy(request: HttpRequest, severity: int) -> HttpResponse:
    found = schedule.policy_get(user=request.user, severity=severity)
    return render(
        request,
        "teams/schedule/policy.html",
        {
            "policy": found,
            "chain": _chain(found, schedule.target_labels()),
            "by_reach": _by_reach(found),
            "can_edit": holds(request.user, MANAGE_POLICIES),
        },
    )


@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, severity: int) -> HttpResponse:
    found = schedule.policy_get(user=request.user, severity=severity)
    if not holds(request.user, MANAGE_POLICIES):
        return forbidden(
            request,
            _("Your role does not allow you to edit the response policies and their chains."),
        )
    data = request.POST if request.method == "POST" else None
    form = PolicyForm(data, initial=PolicyForm.initial_of(found))
    steps = _step_formset(found, data)
    chain_error = ""
    if data is not None and form.is_valid() and steps.is_valid():
        chain = [step for row in steps.forms if (step := row.step()) is not None]
        try:
            policies.policy_update(
                actor=person_require_signed_in(request.user),
                policy=found,
                steps=chain,
                **form.cleaned_data,
            )
        except ApplicationError as exc:
            if exc.field == "steps":
                chain_error = exc.message
            else:
                form_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "%(policy)s saved. Incidents declared from now on run on it; running "
                    "incidents keep the copy they started with."
                )
                % {"policy": found},
            )
            return redirect(found)
    return render(
        request,
        "teams/schedule/policy_form.html",
        {
            "policy": found,
            "form": form,
            "steps": steps,
            "chain_error": chain_error,
            "max_steps": policies.MAX_STEPS,
        },
    )


# --- the engine -----------------------------------------------------------------------------


@require_GET
def engine_health(request: HttpRequest) -> HttpResponse:
    if not holds(request.user, SEE_ENGINE_HEALTH):
        return forbidden(request, _("The schedule engine's health is for managers and admins."))
    health = engine.engine_health()
    last = health["last_sweep_at"]
    return render(
        request,
        "teams/schedule/health.html",
        {
            "health": health,
            "last_sweep_at": datetime.fromisoformat(last) if last else None,
            "max_age": settings.SCHEDULE_SWEEP_MAX_AGE_SECONDS,
        },
    )
