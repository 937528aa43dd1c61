"""Reading playbooks: the list, a playbook's current version, what an incident used, and whom
the roster suggests for a role."""

from typing import Any

from django.db.models import Max, QuerySet

from config.people import AnyUser
from config.search import TurkishOrder, every_word
from incidents.models import Incident, Promise
from teams.models import Playbook, PlaybookRun, PlaybookVersion, Role, RosterMember

MAX_SUGGESTIONS = 3


def playbooks(*, user: AnyUser, query: str = "") -> QuerySet[Playbook]:
    """Every playbook with its current version's number (anyone signed in reads them), in the
    Turkish alphabet's order; ``query`` narrows by words of the name (config.search)."""
    return (
        Playbook.objects.annotate(current_number=Max("versions__number"))
        .filter(every_word(query, "name"))
        .order_by(TurkishOrder("name"), "pk")
    )


def playbooks_to_declare_from() -> QuerySet[Playbook]:
    return Playbook.objects.filter(archived_at__isnull=True, versions__isnull=False).distinct()


def playbook_current(playbook: Playbook) -> PlaybookVersion | None:
    return playbook.versions.order_by("-number").first()


def playbook_version_full(version_pk: int) -> PlaybookVersion:
    return (
        PlaybookVersion.objects.select_related("playbook", "created_by")
        .prefetch_related("roles", "stakeholders__group")
        .get(pk=version_pk)
    )


def playbook_runs(incident: Incident) -> QuerySet[PlaybookRun]:
    """The playbook versions an incident used, the first first."""
    return PlaybookRun.objects.filter(incident=incident).select_related(
        "version__playbook", "applied_by"
    )


def role_suggestions(role: Role) -> list[Any]:
    """Who the standing roster suggests for a role: primaries first, then backups, people who
    can still sign in."""
    members = RosterMember.objects.filter(role=role, person__is_active=True).select_related(
        "person"
    )
    ordered = sorted(members, key=lambda member: (member.kind != RosterMember.Kind.PRIMARY,))
    return [member.person for member in ordered[:MAX_SUGGESTIONS]]


def playbook_runs_of(playbook: Playbook) -> QuerySet[PlaybookRun]:
    """The incidents that used a playbook, the latest first."""
    return (
        PlaybookRun.objects.filter(version__playbook=playbook)
        .select_related("incident", "version", "applied_by")
        .order_by("-applied_at", "-pk")
    )


def playbook_checklist(version: PlaybookVersion) -> list[dict[str, Any]]:
    """A version's checklist as people read it: each item's title, due minutes, the name of
    the role that owns it and the promise it does (None where it has none); one query."""
    names = {role.slug: role.said_name for role in Role.objects.all()}
    return [
        {
            "title": item["title"],
            "due_minutes": item.get("due_minutes"),
            "role": names.get(item["role"], item["role"]) if item.get("role") else None,
            "meets": Promise(item["meets"]).label if item.get("meets") else None,
        }
        for item in version.checklist
    ]
