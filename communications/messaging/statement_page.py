"""The brand's public statement page: which incidents are on it, and what it says of each (its
approved page updates, in one language, oldest first, corrections marked). The page and its
feed are rendered once per change (communications.views.statement_page); every write that
changes them bumps STATEMENT_PAGE (incidents.live), after commit.

Only real incidents: a drill's page never shows, nor a page update published in sandbox.
Nothing internal: the page reads the public headline and the approved words, never the
incident's working title, its notes, its claims or who wrote what."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils.safestring import SafeString

from communications.messaging.models import STATEMENT_PAGE, Message, StatementPage, Template
from config import markdown
from incidents.models import Incident

__all__ = [
    "STATEMENT_PAGE",
    "PageIncident",
    "Update",
    "page_incidents",
    "prepared_pages_offered",
    "public_url",
]


def public_url(path: str = "") -> str:
    """Where the public reads ``path`` of the page ("en/", "subscription/<key>/"): under
    STATEMENT_PAGE_URL, the page's own address (a CDN or another host in front of /status/)."""
    return f"{settings.STATEMENT_PAGE_URL}/{path}"


def prepared_pages_offered(incident: Incident) -> QuerySet[Template]:
    """The approved prepared statement pages the playbooks the incident used offer (one per
    language under each name)."""
    return Template.objects.filter(
        kind=Template.Kind.PAGE,
        approved_at__isnull=False,
        pk__in=Template.objects.filter(playbook_versions__runs__incident=incident).values("pk"),
    )


@dataclass(frozen=True)
class Update:
    """One approved update as the public reads it."""

    pk: int
    body: str
    published_at: datetime
    corrects: int | None  # the update it corrects
    corrected_by: int | None  # the later update that corrects it


@dataclass(frozen=True)
class PageIncident:
    pk: int
    anchor: str
    headline: str
    is_live: bool
    switched_on_at: datetime
    switched_off_at: datetime | None
    updates: list[Update]
    # Switched on from a prepared page: its opening statement and its questions and answers
    # (Markdown, rendered safe) in this language.
    opening: str = ""
    faq: SafeString | str = ""

    @property
    def last_updated(self) -> datetime | None:
        if self.updates:
            return self.updates[-1].published_at
        return self.switched_on_at if self.opening else None

    @property
    def says_anything(self) -> bool:
        return bool(self.updates or self.opening)


def page_incidents(language: str) -> list[PageIncident]:
    """The incidents on the page (live ones first, then the archive), each with its updates in
    ``language``: two queries whatever the number."""
    updates = Message.objects.filter(
        kind=Message.Kind.PAGE_UPDATE,
        status=Message.Status.PUBLISHED,
        sandbox=False,
        language=language,
    ).order_by("published_at", "id")
    pages = (
        StatementPage.objects.filter(incident__in=Incident.objects.real().values("pk"))
        .select_related("incident")
        .prefetch_related(Prefetch("incident__messages", queryset=updates, to_attr="on_page"))
        .order_by("-is_live", "-switched_on_at", "-id")
    )
    shown = []
    for page in pages:
        rows: list[Message] = getattr(page.incident, "on_page")  # noqa: B009 (the prefetch's)
        corrected_by = {row.corrects_id: row.pk for row in rows if row.corrects_id}
        prepared = (page.prepared or {}).get(language) or {}
        shown.append(
            PageIncident(
                pk=page.incident_id,
                anchor=page.incident.reference.lower(),
                headline=page.headline_in(language),
                is_live=page.is_live,
                switched_on_at=page.switched_on_at,
                switched_off_at=page.switched_off_at,
                opening=prepared.get("opening", ""),
                faq=markdown.render(prepared["faq"]) if prepared.get("faq") else "",
                updates=[
                    Update(
                        pk=row.pk,
                        body=row.body,
                        published_at=row.published_at or row.updated_at,
                        corrects=row.corrects_id,
                        corrected_by=corrected_by.get(row.pk),
                    )
                    for row in rows
                ],
            )
        )
    return shown
