"""Reads for drills: the drills held, a run with what its pages show, the runs not yet
finished, a run's alerts."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from communications.listening.models import Alert
from config.people import AnyUser
from config.permissions import MANAGE_DRILLS, holds

from .models import Drill, DrillRun


def drills(*, user: AnyUser) -> QuerySet[Drill]:
    """Drills, with the run a drill was played from (if any) joined."""
    return Drill.objects.select_related("created_by", "run").prefetch_related("participants")


def drill_get(*, user: AnyUser, pk: int) -> Drill:
    return get_object_or_404(drills(user=user), pk=pk)


def drill_runs() -> QuerySet[DrillRun]:
    """Every run, newest first, with what a list of them shows."""
    return DrillRun.objects.select_related(
        "drill", "account", "based_on", "incident", "started_by", "finished_by"
    )


def drill_run_get(*, pk: int) -> DrillRun:
    """A drill run with what its pages show (404 when there is none)."""
    return get_object_or_404(drill_runs(), pk=pk)


def drill_runs_unfinished() -> QuerySet[DrillRun]:
    """The drills still playing or being answered, newest first."""
    return drill_runs().exclude(status=DrillRun.Status.FINISHED)


def drill_run_alerts(run: DrillRun) -> QuerySet[Alert]:
    """The alerts the listening raised on the run's drill account, newest first."""
    return Alert.objects.filter(account_id=run.account_id).order_by("-raised_at")


def drill_script_readable(*, user: AnyUser, run: DrillRun) -> bool:
    """Whether the person may read what the scenario will play (its posts, the rumours it
    plants): whoever started the drill and the managers who run drills, and anyone once the
    drill is finished. The team playing it sees only the posts as they arrive."""
    return (
        run.status == DrillRun.Status.FINISHED
        or (user.is_authenticated and user.pk == run.started_by_id)
        or holds(user, MANAGE_DRILLS)
    )
