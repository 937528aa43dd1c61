"""Reads for stakeholders, the communication plan, and what an incident told whom."""

from dataclasses import dataclass

from django.db.models import (
    CharField,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.shortcuts import get_object_or_404

from config.inputs import id_from
from config.people import AnyUser
from config.permissions import BRIEF_STAFF, holds
from incidents.models import ChecklistItem, Incident
from teams.models import (
    Channel,
    CommunicationPlanEntry,
    Delivery,
    Department,
    Reason,
    StaffBriefing,
    StakeholderContact,
    StakeholderGroup,
    StakeholderUpdate,
)
from teams.selectors import is_crisis_lead

# How every key made by teams.models.stakeholder_checklist_key begins.
PLAN_KEY_PREFIX = "stakeholders:"


# --- groups, contacts and the plan ----------------------------------------------------------


def stakeholder_groups(*, user: AnyUser) -> QuerySet[StakeholderGroup]:
    """Every group with its contacts and plan entries (ordered without joining the group)."""
    return StakeholderGroup.objects.prefetch_related(
        Prefetch("contacts", queryset=StakeholderContact.objects.order_by("name", "id")),
        Prefetch(
            "plan_entries",
            queryset=CommunicationPlanEntry.objects.order_by("severity", "within_minutes", "id"),
        ),
    ).order_by("name")


def stakeholder_group_get(*, user: AnyUser, pk: int) -> StakeholderGroup:
    return get_object_or_404(stakeholder_groups(user=user), pk=pk)


def stakeholder_contact_get(*, user: AnyUser, pk: int) -> StakeholderContact:
    return get_object_or_404(StakeholderContact.objects.select_related("group"), pk=pk)


def communication_plan(*, user: AnyUser) -> QuerySet[CommunicationPlanEntry]:
    """The whole plan: most severe first, the most urgent entry first within a severity."""
    return CommunicationPlanEntry.objects.select_related("group").order_by(
        "severity", "within_minutes", "group__name", "channel"
    )


def plan_entry_get(*, user: AnyUser, pk: int) -> CommunicationPlanEntry:
    return get_object_or_404(communication_plan(user=user), pk=pk)


def plan_entries_for(*, severity: int) -> QuerySet[CommunicationPlanEntry]:
    return (
        CommunicationPlanEntry.objects.filter(severity=severity)
        .select_related("group")
        .order_by("within_minutes", "group__name", "channel")
    )


def departments() -> QuerySet[Department]:
    return Department.objects.order_by("name")


# --- one incident ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanItem:
    """A checklist item the plan added: whom it is about, read back from its key."""

    item: ChecklistItem
    group_id: int | None
    channel: str

    @property
    def channel_label(self) -> str:
        return str(Channel(self.channel).label) if self.channel in Channel.values else self.channel


def parse_plan_key(key: str) -> tuple[int | None, str]:
    """(group id, channel) of a key made by stakeholder_checklist_key; (None, "") otherwise."""
    if not key.startswith(PLAN_KEY_PREFIX):
        return None, ""
    group, _sep, channel = key.removeprefix(PLAN_KEY_PREFIX).partition(":")
    group_id = id_from(group)
    return (group_id, channel) if group_id is not None else (None, "")


def incident_plan_items(*, incident: Incident) -> list[PlanItem]:
    """The incident's checklist items that come from the communication plan, open first."""
    items = ChecklistItem.objects.filter(
        incident=incident, key__startswith=PLAN_KEY_PREFIX
    ).select_related("assignee", "done_by")
    return [PlanItem(item, *parse_plan_key(item.key)) for item in items]


def incident_stakeholder_updates(*, incident: Incident) -> QuerySet[StakeholderUpdate]:
    """What was told to whom, the latest first."""
    return (
        StakeholderUpdate.objects.filter(incident=incident)
        .select_related("group", "recorded_by")
        .order_by("-told_at", "-id")
    )


def _briefing_deliveries(*statuses: str) -> Coalesce:
    """How many of a briefing's emails and chat messages are in one of these states (in the
    queryset of briefings: one subquery, no query per briefing)."""
    subject = Concat(Value(StaffBriefing.SUBJECT_PREFIX), Cast(OuterRef("pk"), CharField()))
    counted = (
        Delivery.objects.filter(
            notification__reason=Reason.STAFF_BRIEFING,
            notification__subject=subject,
            status__in=statuses,
        )
        .order_by()
        .values("notification__reason")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def incident_staff_briefings(*, incident: Incident) -> QuerySet[StaffBriefing]:
    """The incident's briefings, latest first, each with how far it has got: ``delivered``,
    ``pending`` and ``failed`` count its emails and chat messages (``notified_count`` its
    people notified in Crisis Desk so far)."""
    S = Delivery.Status
    return (
        StaffBriefing.objects.filter(incident=incident)
        .select_related("author")
        .prefetch_related(Prefetch("departments", queryset=Department.objects.order_by("name")))
        .annotate(
            delivered=_briefing_deliveries(S.SENT),
            pending=_briefing_deliveries(S.PENDING),
            failed=_briefing_deliveries(S.FAILED),
        )
        .order_by("-sent_at", "-id")
    )


def may_brief_staff(*, user: AnyUser, incident: Incident) -> bool:
    """Managers and admins brief staff from any incident; its active crisis lead from theirs."""
    if holds(user, BRIEF_STAFF):
        return True
    if not (user and user.is_authenticated and user.is_active):
        return False
    return is_crisis_lead(incident=incident, user=user)
