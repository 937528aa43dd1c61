"""A postmortem taken out as Markdown, JSON (against its published schema) and PDF; the two
charts; the export address with its formats, errors and headers."""

import io
import json
import re
from datetime import timedelta
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints, is_typeddict

import jsonschema
import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from pypdf import PdfReader

from postmortems import charts, export, services
from postmortems.measures import MentionFacts, PostmortemExport
from postmortems.models import ActionItem
from teams import flows as team_flows
from tests.communications.factories import InboundPostFactory

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "postmortem-export.schema.json").read_text()
)


def export_url(reference: str, chosen: str | None = None) -> str:
    url = reverse("postmortems:export", kwargs={"reference": reference})
    return f"{url}?format={chosen}" if chosen else url


# --- Markdown -------------------------------------------------------------------------------


def test_markdown_has_the_reference_headings_sections_as_written_and_action_items(
    responder, postmortem
):
    text = export.export_markdown(postmortem)
    reference = postmortem.incident.reference
    assert text.startswith(f"# Postmortem: Recall rumour ({reference})\n")
    for heading in (
        "## Facts from the record",
        "## Key events",
        "## Summary",
        "## Root cause",
        "### Five whys",
        "## Action items",
        "## Timeline",
    ):
        assert f"\n{heading}\n" in text
    assert "SEV1 — critical" in text
    # The section exactly as written (not rendered), the pipe untouched outside a table.
    assert "\nA **false** recall rumour | spread for six hours.\n" in text
    assert "1. A fake screenshot\n2. Nobody checked the source" in text
    assert f"| Train the desk on verification | {responder} |" in text
    assert "https://tracker.example/T-12" in text
    assert "★ " in text  # the key event, in the key events and the whole timeline
    assert "_Not written yet._" in text  # the sections nobody wrote


def test_markdown_table_cells_keep_pipes_and_newlines_inside(manager, responder, postmortem):
    services.action_item_add(
        actor=manager,
        postmortem=postmortem,
        title="Split | merge\nthe queues",
        owner=responder,
        due_date=timezone.localdate() + timedelta(days=3),
        kind=ActionItem.Kind.PROCESS,
    )
    assert "| Split \\| merge the queues |" in export.export_markdown(postmortem)


# --- JSON -----------------------------------------------------------------------------------


def validate(data: dict) -> None:
    jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(data)


def test_json_validates_against_the_published_schema(postmortem):
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    data = json.loads(json.dumps(export.export_json(postmortem)))
    validate(data)
    assert data["incident"]["reference"] == postmortem.incident.reference
    assert data["postmortem"]["sections"][0] == {
        "key": "summary",
        "title": "Summary",
        "markdown": "A **false** recall rumour | spread for six hours.",
    }
    assert data["postmortem"]["five_whys"] == ["A fake screenshot", "Nobody checked the source"]
    assert [item["title"] for item in data["action_items"]] == ["Train the desk on verification"]
    assert [event["kind"] for event in data["timeline"] if event["key"]] == ["declared"]
    assert data["facts"]["mentions"]["count"] == 8
    assert data["facts"]["image_recovery"]["baseline"] == 2.0


def test_json_of_a_published_postmortem_carries_the_frozen_facts(manager, manager2, postmortem):
    services.postmortem_submit_review(actor=manager, postmortem=postmortem, reviewers=[manager2])
    services.postmortem_publish(actor=manager, postmortem=postmortem)
    postmortem.refresh_from_db()
    InboundPostFactory(incident=postmortem.incident)  # after publishing: not in the facts
    data = json.loads(json.dumps(export.export_json(postmortem)))
    validate(data)
    assert data["postmortem"]["status"] == "published"
    assert data["postmortem"]["published_by"] == str(manager)
    assert data["postmortem"]["reviewers"] == [str(manager2)]
    assert data["facts"] == postmortem.facts
    assert data["facts"]["mentions"]["count"] == 8


def _resolved(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _differences(annotation: Any, node: dict[str, Any], path: str) -> list[str]:
    """Where a typed value and the schema's node for it name different keys, through every
    nested object and list."""
    node = _resolved(node)
    if get_origin(annotation) in (Union, UnionType):
        return [
            difference
            for arg in get_args(annotation)
            if arg is not type(None)
            for difference in _differences(arg, node, path)
        ]
    if get_origin(annotation) is list:
        return _differences(get_args(annotation)[0], node["items"], f"{path}[]")
    if not is_typeddict(annotation):
        return []
    typed = get_type_hints(annotation)
    listed = node["properties"]
    differences = []
    if typed.keys() != listed.keys():
        differences.append(
            f"{path}: typed {sorted(typed.keys() - listed.keys())}, "
            f"in the schema {sorted(listed.keys() - typed.keys())}"
        )
    required = set(node.get("required", []))
    if annotation.__required_keys__ != required:
        differences.append(
            f"{path}: required when typed {sorted(annotation.__required_keys__ - required)}, "
            f"in the schema {sorted(required - annotation.__required_keys__)}"
        )
    for key in typed.keys() & listed.keys():
        differences += _differences(typed[key], listed[key], f"{path}.{key}")
    return differences


def test_the_schema_names_the_keys_the_export_is_typed_with():
    # PostmortemExport (and the facts inside it) is what the code writes and reads; the schema
    # is what readers outside rely on. A key added, renamed or removed in one and not the other
    # fails here.
    assert _differences(PostmortemExport, SCHEMA, "export") == []


def test_a_key_the_schema_does_not_know_is_found():
    class Wider(MentionFacts):
        seen: int

    node = SCHEMA["properties"]["facts"]["properties"]["mentions"]
    assert "mentions: typed ['seen'], in the schema []" in _differences(Wider, node, "mentions")


def test_every_object_of_the_schema_is_closed():
    def opened(node: Any, path: str) -> list[str]:
        if isinstance(node, list):
            return [o for index, item in enumerate(node) for o in opened(item, f"{path}/{index}")]
        if not isinstance(node, dict):
            return []
        is_open = "properties" in node and node.get("additionalProperties") is not False
        found = [path] if is_open else []
        return found + [o for key, value in node.items() for o in opened(value, f"{path}/{key}")]

    assert opened(SCHEMA, "#") == []


def test_the_schema_refuses_a_fact_it_does_not_name(postmortem):
    data = json.loads(json.dumps(export.export_json(postmortem)))
    data["facts"]["mentions"]["seen"] = 8
    with pytest.raises(jsonschema.ValidationError):
        validate(data)


def test_the_schema_refuses_what_the_export_never_writes(postmortem):
    data = json.loads(json.dumps(export.export_json(postmortem)))
    data["action_items"][0]["priority"] = "urgent"
    with pytest.raises(jsonschema.ValidationError):
        validate(data)


# --- PDF ------------------------------------------------------------------------------------


def test_pdf_is_a_pdf(postmortem):
    pdf = export.export_pdf(postmortem)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_the_pdf_reads_as_the_report(postmortem):
    reader = PdfReader(io.BytesIO(export.export_pdf(postmortem)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    reference = postmortem.incident.reference
    assert reference in text
    for heading in ("Facts from the record", "Summary", "Root cause", "Action items", "Timeline"):
        assert heading in text, heading
    assert "Train the desk on verification" in text
    assert "A fake screenshot" in text
    # Numbered pages with the total, and the line saying when it was generated.
    assert f"Page 1 of {len(reader.pages)}" in text
    assert re.search(r"generated \d{4}-\d{2}-\d{2} \d{2}:\d{2}", text)


@pytest.mark.parametrize("language", ["en", "tr"])
def test_the_pdf_is_tagged_for_assistive_technology_in_its_language(postmortem, language):
    """PDF/UA-1: a structure tree (headings, tables, paragraphs in reading order), marked
    content, the document's language and its title shown as the window's title."""
    with translation.override(language):
        reader = PdfReader(io.BytesIO(export.export_pdf(postmortem)))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a PDF boolean, not bool)
    assert root["/Lang"] == language
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    tree = root["/StructTreeRoot"].get_object()

    def roles(node, found):
        node = node.get_object()
        if "/S" in node:
            found.add(str(node["/S"]))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            if hasattr(kid, "get_object") and isinstance(kid.get_object(), dict):
                roles(kid, found)
        return found

    tagged = roles(tree, set())
    # The timeline is a list per day, under a heading per day.
    assert {"/H1", "/H2", "/H3", "/Table", "/TR", "/P", "/L", "/LI"} <= tagged, tagged
    title = reader.metadata.title
    assert postmortem.incident.reference in title
    if language == "tr":
        assert "Olay sonrası değerlendirme" in title or "değerlendirme" in title.lower()


def test_the_html_laid_out_into_the_pdf_has_every_part(postmortem):
    # The HTML WeasyPrint lays out: what the PDF's text cannot show (links, marks, charts).
    page = export.export_html(postmortem)
    reference = postmortem.incident.reference
    assert f"<strong>{reference}</strong>" in page  # the cover
    assert "SEV1 — critical" in page
    assert "Draft · revision 1" in page
    assert "Time to acknowledge" in page  # the facts
    assert page.count('role="img"') == 2  # both charts
    assert 'class="baseline"' in page
    assert "<strong>false</strong> recall rumour" in page  # the sections, rendered
    assert "<li>A fake screenshot</li>" in page
    assert "Train the desk on verification" in page
    assert 'href="https://tracker.example/T-12"' in page
    assert '<li class="key"><strong>★ ' in page  # the key event marked in the timeline
    assert "counter(page)" in page
    assert "counter(pages)" in page
    assert re.search(r"Generated by Crisis Desk on \d{4}-\d{2}-\d{2} \d{2}:\d{2}", page)


def _event(at, key=False, kind="note"):
    return {
        "at": at,
        "kind": kind,
        "kind_label": kind.title(),
        "actor": None,
        "text": f"at {at.isoformat()}",
        "key": key,
    }


def test_the_pdf_timeline_is_told_by_day_in_the_sites_zone_with_each_events_time(settings):
    settings.TIME_ZONE = "Europe/Istanbul"
    # 20:59 and 21:01 UTC are either side of midnight in Istanbul (UTC+3).
    before = timezone.datetime(2026, 3, 14, 20, 59, tzinfo=timezone.UTC)
    after = before + timedelta(minutes=2)
    later = after + timedelta(hours=5)
    with timezone.override("Europe/Istanbul"), translation.override("en"):
        days = export.timeline_days([_event(before), _event(after, key=True), _event(later)])
    assert [day["heading"] for day in days] == [
        "Saturday 14 March 2026 (times in +03)",
        "Sunday 15 March 2026 (times in +03)",
    ]
    assert [[e["clock"] for e in day["events"]] for day in days] == [["23:59"], ["00:01", "05:01"]]
    assert [e["key"] for e in days[1]["events"]] == [True, False]
    with timezone.override("Europe/Istanbul"), translation.override("tr"):
        (first, _second) = export.timeline_days([_event(before), _event(after)])
    assert first["heading"] == "Cumartesi 14 Mart 2026 (saatler +03)"


def test_the_pdf_timeline_shows_every_event_once_with_its_kind_and_who(manager, postmortem):
    page = export.export_html(postmortem)
    events = list(postmortem.incident.events.order_by("at", "id"))
    timeline = page[page.index('<ol class="timeline">') :]
    assert timeline.count("<li") == len(events)
    for event in events:
        assert escape(event.text) in timeline
    assert f" · Declared · {manager}: " in timeline


def _page_texts(html: str) -> list[str]:
    from weasyprint import HTML

    pdf = HTML(string=html).write_pdf()
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_each_chart_stays_on_the_page_of_its_heading(postmortem):
    """Wherever the charts fall (pushed down by more or less above them), each chart has its
    own heading, and the heading, the chart and its caption are on one page."""
    page = export.export_html(postmortem)
    # The report up to its charts: what comes after cannot move them.
    page = page[: page.index("<h2>Key events</h2>")] + "</body></html>"
    charts_at = page.index("<h2>Mention volume and image recovery</h2>")
    checked = 0
    for push in range(0, 260, 40):
        pushed = page[:charts_at] + f'<div style="height: {push}mm"></div>' + page[charts_at:]
        texts = _page_texts(pushed)
        for heading, caption in (
            ("Mention volume", "Mentions linked to the incident, per hour."),
            ("Image recovery", "Mentions a day on the incident"),
        ):
            (on,) = [text for text in texts if f"\n{heading}\n" in f"\n{text}\n"]
            assert caption in on, (push, heading)
            checked += 1
    assert checked == 14


def test_the_pdfs_page_references_are_read_as_pydyf_builds_them():
    """The remembered page references (export.page_references_remembered) are pydyf's own,
    and follow pages added after they were first read."""
    import pydyf

    def built(pdf):
        return tuple(f"{number} 0 R".encode("ascii") for number in pdf.pages["Kids"][::3])

    export.page_references_remembered()
    pdf = pydyf.PDF()
    assert pdf.page_references == built(pdf) == ()
    for _page in range(3):
        pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
        assert pdf.page_references == built(pdf)
    assert len(pdf.page_references) == 3
    assert pdf.page_references is pdf.page_references  # remembered, not rebuilt


def test_the_pdf_html_shows_every_fact_row(postmortem):
    page = export.export_html(postmortem)
    rows = export.fact_rows(services.postmortem_facts(postmortem))
    assert len(rows) == 15
    for label, value in rows:
        assert f'<th scope="row">{escape(label)}</th><td>{escape(value)}</td>' in page
    assert "8 seen, 0 answered (0 %)" in page


def test_the_pdf_html_cannot_be_injected_through_the_sections(responder, postmortem):
    services.postmortem_update(
        actor=responder,
        postmortem=postmortem,
        lessons='<img src="file:///etc/passwd"> <script>x</script>',
    )
    page = export.export_html(postmortem)
    assert "<img" not in page
    assert "<script>x" not in page


# --- the charts -----------------------------------------------------------------------------

RECOVERY = {
    "days": [
        *({"day": f"2026-03-{d:02d}", "count": 4 + d % 3, "phase": "before"} for d in range(1, 15)),
        {"day": "2026-03-15", "count": 90, "phase": "during"},
        {"day": "2026-03-16", "count": 40, "phase": "during"},
        {"day": "2026-03-17", "count": 12, "phase": "after"},
        {"day": "2026-03-18", "count": 5, "phase": "after"},
    ],
    "baseline": 6.0,
    "back_within_baseline": "2026-03-18",
}
VOLUME = [
    {"at": "2026-03-15T08:00:00+00:00", "count": 3},
    {"at": "2026-03-15T11:00:00+00:00", "count": 40},
]


def test_charts_are_deterministic_accessible_and_free_of_style():
    for draw, facts in ((charts.recovery_chart, RECOVERY), (charts.volume_chart, VOLUME)):
        svg = draw(facts)
        assert svg == draw(json.loads(json.dumps(facts)))
        assert svg.startswith("<svg ")
        assert 'role="img"' in svg
        assert 'aria-label="' in svg
        assert "<title " in svg
        assert " style=" not in svg
        assert "<style" not in svg


def test_the_recovery_chart_draws_the_baseline_the_phases_and_the_day_back():
    svg = charts.recovery_chart(RECOVERY)
    baseline = re.search(r'<line class="baseline"[^>]*>', svg)
    assert baseline
    assert 'stroke-dasharray="5 3"' in baseline.group(0)
    assert 'class="back-within-baseline"' in svg
    assert "back within the baseline on 18 Mar" in svg
    assert svg.count("url(#pm-recovery-hatch)") == 3  # two days during, and the legend
    assert svg.count(f'fill="{charts.AFTER_FILL}"') == 3
    not_back = charts.recovery_chart({**RECOVERY, "back_within_baseline": None})
    assert "back-within-baseline" not in not_back
    assert "not back within the baseline yet" in not_back


def test_the_volume_chart_counts_quiet_hours_as_zero():
    svg = charts.volume_chart(VOLUME)
    # 08:00 to 11:00 is four hours: two bars drawn, and labels for both ends.
    assert svg.count("<rect ") == 2
    assert "15 Mar 08:00" in svg
    assert "15 Mar 11:00" in svg
    assert "43 mentions" in svg


def test_the_charts_say_when_there_is_nothing_to_draw():
    assert "No mentions were linked" in charts.volume_chart([])
    assert "No mention volume recorded" in charts.recovery_chart({})


def test_the_charts_include_renders_both_from_the_facts(postmortem):
    facts = services.postmortem_facts(postmortem)
    html = render_to_string("postmortems/_charts.html", {"postmortem": postmortem, "facts": facts})
    assert html.count("<svg ") == 2
    assert " style=" not in html


# --- the export address ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chosen", "content_type", "extension"),
    [
        ("pdf", "application/pdf", "pdf"),
        ("md", "text/markdown; charset=utf-8", "md"),
        ("json", "application/json", "json"),
    ],
)
def test_everyone_logged_in_exports_each_format(
    client, reader, postmortem, chosen, content_type, extension
):
    client.force_login(reader)
    reference = postmortem.incident.reference
    response = client.get(export_url(reference, chosen))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == (
        f'attachment; filename="{reference}-postmortem.{extension}"'
    )
    assert response["Cache-Control"] == "private, no-store"
    if chosen == "json":
        validate(json.loads(response.content))
    elif chosen == "md":
        assert reference in response.content.decode()
    else:
        assert response.content.startswith(b"%PDF-")


def test_no_format_means_the_pdf(client, reader, postmortem):
    client.force_login(reader)
    response = client.get(export_url(postmortem.incident.reference))
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("chosen", ["docx", "PDF", "", "../json"])
def test_an_unknown_format_is_a_400_naming_the_formats(client, reader, postmortem, chosen):
    client.force_login(reader)
    url = reverse("postmortems:export", kwargs={"reference": postmortem.incident.reference})
    response = client.get(url, {"format": chosen})
    assert response.status_code == 400
    assert "pdf, md or json" in response.content.decode()


def test_an_unknown_incident_or_one_without_a_postmortem_is_a_404(client, reader, manager):
    client.force_login(reader)
    assert client.get(export_url("INC-1999-0001", "md")).status_code == 404
    open_incident = team_flows.incident_declare(actor=manager, title="Still open", severity=3)
    assert client.get(export_url(open_incident.reference, "md")).status_code == 404


def test_exporting_needs_a_login(postmortem):
    response = Client().get(export_url(postmortem.incident.reference, "md"))
    assert response.status_code == 302
    assert "/login" in response["Location"]
