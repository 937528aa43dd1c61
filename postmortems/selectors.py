"""Reads for the postmortem pages: querysets with the joins each page needs."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from config.people import AnyUser
from incidents.models import Incident, TimelineEvent
from incidents.rehearsals import real_q

from .models import ActionItem, KeyEvent, Postmortem, PostmortemRevision, ReviewComment

OPEN_ITEM_STATUSES = (ActionItem.Status.OPEN, ActionItem.Status.IN_PROGRESS)


def postmortem_list(*, user: AnyUser, status: str = "") -> QuerySet[Postmortem]:
    """Every postmortem of a real incident, newest first, with its incident, owner and open
    action items counted. A drill's postmortem is reached from its war room: the list and its
    count are the crises the brand lived through."""
    postmortems = (
        Postmortem.objects.real()
        .select_related("incident", "owner")
        .annotate(
            open_items=Count("action_items", filter=Q(action_items__status__in=OPEN_ITEM_STATUSES))
        )
        .order_by("-created_at", "-id")
    )
    if status:
        postmortems = postmortems.filter(status=status)
    return postmortems


def postmortem_of(*, incident: Incident) -> Postmortem | None:
    """The incident's postmortem, if one was started."""
    return (
        Postmortem.objects.select_related("owner", "published_by")
        .filter(incident_id=incident.pk)
        .first()
    )


def postmortem_get(*, user: AnyUser, reference: str) -> Postmortem:
    """The postmortem of the incident with this reference (404: none started)."""
    return get_object_or_404(
        Postmortem.objects.select_related(
            "incident", "incident__declared_by", "owner", "published_by"
        ).prefetch_related("reviewers"),
        incident__reference=reference,
    )


def postmortem_comments(*, postmortem: Postmortem) -> QuerySet[ReviewComment]:
    return postmortem.comments.select_related("author")


def postmortem_revisions(*, postmortem: Postmortem) -> QuerySet[PostmortemRevision]:
    return postmortem.revisions.select_related("published_by")


def postmortem_timeline(*, postmortem: Postmortem) -> QuerySet[TimelineEvent]:
    """The incident's timeline in the order things happened, each event knowing whether it is
    marked for the report (``is_key``)."""
    return (
        TimelineEvent.objects.filter(incident_id=postmortem.incident_id)
        .select_related("actor")
        .annotate(
            is_key=Exists(
                KeyEvent.objects.filter(postmortem_id=postmortem.pk, event_id=OuterRef("pk"))
            )
        )
        .order_by("at", "id")
    )


def key_events(*, postmortem: Postmortem) -> QuerySet[TimelineEvent]:
    return (
        TimelineEvent.objects.filter(keyevent__postmortem_id=postmortem.pk)
        .select_related("actor")
        .order_by("at", "id")
    )


def postmortem_action_items(*, postmortem: Postmortem) -> QuerySet[ActionItem]:
    return postmortem.action_items.select_related("owner")


def action_items_open(
    *, user: AnyUser, owner: Any | None = None, overdue: bool = False
) -> QuerySet[ActionItem]:
    """The open action items of every real incident's postmortem, soonest due first;
    ``owner`` narrows to one person's, ``overdue`` to those past their due date. A drill's
    stay on its own postmortem."""
    items = (
        ActionItem.objects.real()
        .filter(status__in=OPEN_ITEM_STATUSES)
        .select_related("owner", "postmortem__incident")
    )
    if owner is not None:
        items = items.filter(owner=owner)
    if overdue:
        items = items.filter(due_date__lt=timezone.localdate())
    return items.order_by("due_date", "id")


def action_item_counts(*, user: AnyUser) -> dict[str, int]:
    """How many action items of real incidents are open, and how many of them overdue (one
    query); a drill's are left out."""
    return (
        ActionItem.objects.real()
        .filter(status__in=OPEN_ITEM_STATUSES)
        .aggregate(
            open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=timezone.localdate()))
        )
    )


def action_item_owners(*, user: AnyUser) -> QuerySet[Any]:
    """Everyone who owns an open action item of a real incident, in name order: the page's
    owner filter."""
    return (
        get_user_model()
        .objects.filter(
            real_q("action_items__postmortem__incident"),
            action_items__status__in=OPEN_ITEM_STATUSES,
        )
        .distinct()
        .order_by("first_name", "username")
    )


def person_or_none(*, pk: int | None) -> Any | None:
    if pk is None:
        return None
    return get_user_model().objects.filter(pk=pk).first()
