"""A postmortem taken out of Crisis Desk: as Markdown (the sections as written), as JSON (the
shape is docs/postmortem-export.schema.json) and as a printable PDF (WeasyPrint, from
postmortems/export/report.html).

All three read the same things: the incident, the postmortem, its facts (frozen if published),
the key events, every timeline event, and the action items. The report's order: the cover, the
facts, the charts, the key events, the sections (the five whys after the root cause), the
action items, and the whole timeline last, since a large incident has thousands of events.
"""

import re
from datetime import datetime
from itertools import groupby
from typing import Any, TypedDict, cast

import pydyf
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _
from weasyprint import HTML

from config.markdown import render as markdown
from incidents.models import Incident, TimelineEvent

from . import charts, selectors
from .measures import PostmortemExport, PostmortemFacts, iso
from .models import ActionItem, Postmortem
from .services import postmortem_facts
from .templatetags.postmortem_panels import duration, share

SCHEMA_ID = "https://crisis-desk.example/schemas/postmortem-export.schema.json"
SCHEMA_VERSION = 1
FORMATS = {
    "pdf": ("application/pdf", "pdf"),
    "md": ("text/markdown; charset=utf-8", "md"),
    "json": ("application/json", "json"),
}


def export_filename(postmortem: Postmortem, extension: str) -> str:
    """INC-2026-0001-postmortem.pdf"""
    return f"{postmortem.incident.reference}-postmortem.{extension}"


def _person(user: Any) -> str | None:
    return str(user) if user is not None else None


def when(value: str | datetime | None) -> str:
    """A time as the report prints it, in the site's timezone: 2026-03-14 09:05 UTC."""
    if not value:
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


def fact_rows(facts: PostmortemFacts) -> list[tuple[str, str]]:
    """The facts as (label, value) lines, the same in the PDF and the Markdown."""
    cadence = facts["update_cadence"]
    mentions = facts["mentions"]
    messages = facts["messages"]
    escalations = facts["escalations"]
    recovery = facts["image_recovery"]
    missed = "; ".join(
        _("due %(due)s: %(late)s late")
        % {"due": when(m["due_at"]), "late": duration(m["late_seconds"])}
        if m["met_at"]
        else _("due %(due)s: never sent") % {"due": when(m["due_at"])}
        for m in cadence["missed"]
    )
    cadence_text = _("%(kept)s of %(due)s updates on time") % {
        "kept": cadence["kept"],
        "due": cadence["due"],
    }
    roles = "; ".join(
        _("%(role)s: %(person)s (%(start)s to %(end)s)")
        % {
            "role": held["role"],
            "person": held["person"],
            "start": when(held["from"]),
            "end": when(held["to"]) if held["to"] else _("still held"),
        }
        for held in facts["roles"]
    )
    back = recovery["back_within_baseline"]
    return [
        (_("Detected"), when(facts["detected_at"])),
        (_("Acknowledged"), when(facts["acknowledged_at"])),
        (_("First public response"), when(facts["first_response_at"])),
        (_("Resolved"), when(facts["resolved_at"])),
        (_("Closed"), when(facts["closed_at"])),
        (_("Time to acknowledge"), duration(facts["time_to_acknowledge_seconds"])),
        (
            _("Time to first public statement"),
            duration(facts["time_to_first_statement_seconds"]),
        ),
        (_("Update cadence"), f"{cadence_text}; {missed}" if missed else cadence_text),
        (
            _("Mentions"),
            _("%(count)s seen, %(answered)s answered (%(share)s)")
            % {
                "count": mentions["count"],
                "answered": mentions["answered"],
                "share": share(mentions["answered_share"]),
            },
        ),
        (
            _("Reply time"),
            _("median %(median)s, 90th percentile %(p90)s; %(within)s within the deadline")
            % {
                "median": duration(mentions["reply_seconds_median"]),
                "p90": duration(mentions["reply_seconds_p90"]),
                "within": share(mentions["within_deadline_share"]),
            },
        ),
        (
            _("Messages"),
            _(
                "%(drafted)s drafted, %(approved)s approved, %(rejected)s rejected, "
                "%(published)s published, %(failed)s failed"
            )
            % {
                "drafted": messages["drafted"],
                "approved": messages["approved"],
                "rejected": messages["rejected"],
                "published": messages["published"],
                "failed": messages["failed"],
            },
        ),
        (
            _("Approval turnaround"),
            _("median %(median)s, longest %(max)s")
            % {
                "median": duration(messages["approval_seconds_median"]),
                "max": duration(messages["approval_seconds_max"]),
            },
        ),
        (
            _("Escalations"),
            _("%(fired)s fired, %(reminders)s reminders")
            % {
                "fired": escalations["fired"],
                "reminders": escalations["reminders"],
            },
        ),
        (_("Roles held"), roles or "—"),
        (
            _("Image recovery"),
            _("baseline %(baseline)s mentions a day; %(back)s")
            % {
                "baseline": f"{recovery['baseline']:.1f}",
                "back": _("back within it on %(day)s") % {"day": back}
                if back
                else _("not back within it yet"),
            },
        ),
    ]


class _EventRow(TypedDict):
    at: datetime
    kind: str
    kind_label: str
    actor: str | None
    text: str
    key: bool


class _Loaded(TypedDict):
    """Everything an export reads."""

    incident: Incident
    postmortem: Postmortem
    facts: PostmortemFacts
    timeline: list[_EventRow]
    key_events: list[_EventRow]
    action_items: list[ActionItem]
    reviewers: list[str]
    generated_at: datetime


def _event_row(event: TimelineEvent, key: bool) -> _EventRow:
    return {
        "at": event.at,
        "kind": event.kind,
        "kind_label": event.get_kind_display(),
        "actor": _person(event.actor),
        "text": event.text,
        "key": key,
    }


def _timeline(postmortem: Postmortem) -> list[_EventRow]:
    return [
        _event_row(event, bool(event.is_key))  # type: ignore[attr-defined]
        for event in selectors.postmortem_timeline(postmortem=postmortem).iterator(chunk_size=2000)
    ]


def _action_items(postmortem: Postmortem) -> list[ActionItem]:
    return list(selectors.postmortem_action_items(postmortem=postmortem))


def _load(postmortem: Postmortem) -> _Loaded:
    """Everything an export reads, each read once."""
    timeline = _timeline(postmortem)
    return {
        "incident": postmortem.incident,
        "postmortem": postmortem,
        "facts": postmortem_facts(postmortem),
        "timeline": timeline,
        "key_events": [row for row in timeline if row["key"]],
        "action_items": _action_items(postmortem),
        "reviewers": [str(person) for person in postmortem.reviewers.all()],
        "generated_at": timezone.now(),
    }


# --- JSON -----------------------------------------------------------------------------------


def export_json(postmortem: Postmortem) -> PostmortemExport:
    """The postmortem as data (docs/postmortem-export.schema.json)."""
    data = _load(postmortem)
    incident = postmortem.incident
    return {
        "$schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "generated_at": data["generated_at"].isoformat(),
        "incident": {
            "reference": incident.reference,
            "title": incident.title,
            "severity": incident.severity,
            "severity_label": str(incident.get_severity_display()),
            "status": incident.status,
            "category": incident.category,
            "detected_at": iso(incident.detected_at),
            "acknowledged_at": iso(incident.acknowledged_at),
            "first_response_at": iso(incident.first_response_at),
            "resolved_at": iso(incident.resolved_at),
            "closed_at": iso(incident.closed_at),
        },
        "postmortem": {
            "status": postmortem.status,
            "revision": postmortem.revision,
            "owner": _person(postmortem.owner),
            "reviewers": data["reviewers"],
            "created_at": iso(postmortem.created_at),
            "submitted_at": iso(postmortem.submitted_at),
            "published_at": iso(postmortem.published_at),
            "published_by": _person(postmortem.published_by),
            "root_cause_category": postmortem.root_cause_category,
            "sections": [
                {"key": field, "title": title, "markdown": text}
                for field, title, text in postmortem.sections()
            ],
            "five_whys": list(postmortem.five_whys),
        },
        "facts": data["facts"],
        "timeline": [
            {
                "at": row["at"].isoformat(),
                "kind": row["kind"],
                "actor": row["actor"],
                "text": row["text"],
                "key": row["key"],
            }
            for row in data["timeline"]
        ],
        "action_items": [
            {
                "title": item.title,
                "owner": _person(item.owner),
                "due_date": item.due_date.isoformat(),
                "priority": item.priority,
                "kind": item.kind,
                "status": item.status,
                "follow_up_url": item.follow_up_url,
                "closed_at": iso(item.closed_at),
            }
            for item in data["action_items"]
        ],
    }


# --- Markdown -------------------------------------------------------------------------------


def _cell(text: Any) -> str:
    """Text that stays in one cell of a Markdown table."""
    return re.sub(r"\s*[\r\n]+\s*", " ", str(text)).replace("\\", "\\\\").replace("|", "\\|")


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    return [
        "| " + " | ".join(_cell(h) for h in header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows),
        "",
    ]


def _timeline_rows(rows: list[_EventRow]) -> list[list[Any]]:
    return [
        [
            ("★ " if row["key"] else "") + when(row["at"]),
            row["kind_label"],
            row["actor"] or _("Crisis Desk"),
            row["text"],
        ]
        for row in rows
    ]


def export_markdown(postmortem: Postmortem) -> str:
    """The postmortem as one Markdown document; the sections exactly as their authors wrote
    them."""
    data = _load(postmortem)
    incident = postmortem.incident
    lines = [
        f"# {_('Postmortem')}: {incident.title} ({incident.reference})",
        "",
        f"- **{_('Incident')}:** {incident.reference} — {incident.title}",
        f"- **{_('Severity')}:** {incident.get_severity_display()}",
        f"- **{_('Incident status')}:** {incident.get_status_display()}",
        f"- **{_('Detected')}:** {when(incident.detected_at)}",
        f"- **{_('Resolved')}:** {when(incident.resolved_at)}",
        f"- **{_('Postmortem')}:** {postmortem.get_status_display()}, "
        + _("revision %(n)d") % {"n": postmortem.revision},
        f"- **{_('Owner')}:** {_person(postmortem.owner) or '—'}",
    ]
    if data["reviewers"]:
        lines.append(f"- **{_('Reviewers')}:** {', '.join(data['reviewers'])}")
    if postmortem.published_at:
        lines.append(
            f"- **{_('Published')}:** {when(postmortem.published_at)}"
            + (f" ({postmortem.published_by})" if postmortem.published_by else "")
        )
    lines += [f"- **{_('Generated')}:** {when(data['generated_at'])}", ""]

    lines += [f"## {_('Facts from the record')}", ""]
    lines += _table([_("Fact"), _("Value")], [list(row) for row in fact_rows(data["facts"])])

    lines += [f"## {_('Key events')}", ""]
    if data["key_events"]:
        lines += _table(
            [_("Time"), _("Kind"), _("Who"), _("What")], _timeline_rows(data["key_events"])
        )
    else:
        lines += [_("No event marked as key."), ""]

    for field, title, text in postmortem.sections():
        lines += [f"## {title}", ""]
        if field == "root_cause" and postmortem.root_cause_category:
            lines += [
                f"**{_('Root cause category')}:** {postmortem.get_root_cause_category_display()}",
                "",
            ]
        lines += [text.strip() if text.strip() else f"_{_('Not written yet.')}_", ""]
        if field == "root_cause" and postmortem.five_whys:
            lines += [f"### {_('Five whys')}", ""]
            lines += [f"{n}. {_cell(why)}" for n, why in enumerate(postmortem.five_whys, 1)]
            lines.append("")

    lines += [f"## {_('Action items')}", ""]
    if data["action_items"]:
        lines += _table(
            [_("Title"), _("Owner"), _("Due"), _("Priority"), _("Kind"), _("Status"), _("Link")],
            [
                [
                    item.title,
                    item.owner,
                    item.due_date.isoformat(),
                    item.get_priority_display(),
                    item.get_kind_display(),
                    item.get_status_display(),
                    item.follow_up_url or "—",
                ]
                for item in data["action_items"]
            ],
        )
    else:
        lines += [_("No action items."), ""]

    lines += [f"## {_('Timeline')}", "", _("Every event of the incident; ★ marks a key event."), ""]
    lines += _table([_("Time"), _("Kind"), _("Who"), _("What")], _timeline_rows(data["timeline"]))
    return "\n".join(lines).rstrip() + "\n"


# --- PDF ------------------------------------------------------------------------------------


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _page_counter() -> str:
    """ "Page X of Y" as CSS generated content, the words translated."""
    words = re.split(r"(%\(page\)s|%\(pages\)s)", _("Page %(page)s of %(pages)s"))
    parts = []
    for word in words:
        if word == "%(page)s":
            parts.append("counter(page)")
        elif word == "%(pages)s":
            parts.append("counter(pages)")
        elif word:
            parts.append(_css_string(word))
    return " ".join(parts)


class _Day(TypedDict):
    """One day of the PDF's timeline: its heading, then a line per event."""

    heading: str
    events: list[dict[str, Any]]


def timeline_days(rows: list[_EventRow]) -> list[_Day]:
    """The timeline by day in the site's timezone: the date and zone said once in the day's
    heading, each event a line with its time of day. One paragraph a line, not a table row: a
    record of thousands of events lays out in about half the time and a third of the memory."""

    days: list[_Day] = []
    local = [(timezone.localtime(row["at"]), row) for row in rows]
    for day, group in groupby(local, key=lambda pair: pair[0].date()):
        lines = list(group)
        days.append(
            {
                "heading": _("%(day)s (times in %(zone)s)")
                % {"day": dateformat.format(day, "l j F Y"), "zone": lines[0][0].strftime("%Z")},
                "events": [{**row, "clock": at.strftime("%H:%M")} for at, row in lines],
            }
        )
    return days


def report_context(postmortem: Postmortem) -> dict[str, Any]:
    """What the PDF's template shows."""
    data = _load(postmortem)
    facts = data["facts"]
    incident = postmortem.incident
    return {
        **data,
        # The language the report is written in, which the PDF declares (no request here).
        "LANGUAGE_CODE": translation.get_language() or settings.LANGUAGE_CODE,
        "fact_rows": fact_rows(facts),
        "volume_chart": charts.volume_chart(facts["mention_volume"], chart_id="pdf-volume"),
        "recovery_chart": charts.recovery_chart(facts["image_recovery"], chart_id="pdf-recovery"),
        "sections": [
            (field, title, markdown(text)) for field, title, text in postmortem.sections()
        ],
        "timeline_days": timeline_days(data["timeline"]),
        "timeline_count": len(data["timeline"]),
        "key_events": [{**row, "when": when(row["at"])} for row in data["key_events"]],
        "generated": when(data["generated_at"]),
        "dates": {
            "detected": when(incident.detected_at),
            "resolved": when(incident.resolved_at),
            "closed": when(incident.closed_at),
            "published": when(postmortem.published_at),
        },
        "page_counter": _page_counter(),
        "footer": _css_string(
            _("%(reference)s postmortem · generated %(at)s")
            % {"reference": incident.reference, "at": when(data["generated_at"])}
        ),
    }


def export_html(postmortem: Postmortem) -> str:
    """The HTML WeasyPrint lays out into the PDF."""
    return render_to_string("postmortems/export/report.html", report_context(postmortem))


class _PageReferences:
    """pydyf's ``PDF.page_references``, remembered until a page is added.

    pydyf 0.13 builds the tuple of every page's reference afresh each time it is read, and a
    tagged PDF reads it once per tagged element: a 135-page report read it 22,000 times, an
    eighth of its writing time. The tuple only changes when a page is added (``Kids`` grows), so
    it is kept with the length it was built at."""

    def __get__(self, pdf: Any, owner: type | None = None) -> Any:
        if pdf is None:
            return self
        kids = pdf.pages["Kids"]
        remembered = pdf.__dict__.get("_crisis_desk_page_references")
        if remembered is None or remembered[0] is not kids or remembered[1] != len(kids):
            references = tuple(f"{number} 0 R".encode("ascii") for number in kids[::3])
            remembered = (kids, len(kids), references)
            pdf.__dict__["_crisis_desk_page_references"] = remembered
        return remembered[2]


def page_references_remembered() -> None:
    """Puts _PageReferences in place of pydyf's own (once; the same answers, read cheaply)."""
    if not isinstance(pydyf.PDF.__dict__.get("page_references"), _PageReferences):
        pydyf.PDF.page_references = _PageReferences()


def export_pdf(postmortem: Postmortem) -> bytes:
    """The postmortem as a printable PDF (A4, numbered pages), tagged for assistive technology
    (PDF/UA-1: headings, tables and reading order in a structure tree, the document's language
    and title declared)."""
    page_references_remembered()
    document = HTML(string=export_html(postmortem), base_url=str(settings.BASE_DIR))
    # Given no target, write_pdf returns the document's bytes.
    return cast(bytes, document.write_pdf(pdf_variant="pdf/ua-1"))
