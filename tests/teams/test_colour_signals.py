"""Colour is never the only signal: whatever a page colours to say something (overdue, a
risk's band, a severity) says it in words too, in the reader's language, for the reader who
cannot tell red from green and for a screen reader."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from incidents.models import Severity, WarRoomPart
from incidents.templatetags.incidents import severity_badge
from teams import flows
from teams.models import Channel, StakeholderGroup
from teams.risks import services as risk_services
from tests.teams.factories import PlanEntryFactory, StakeholderGroupFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# A template that branches on something being late: {% if item.is_overdue %}, {% if
# clock.overdue %}, {% if deadline.due_at < now %}, {% if risk.review_overdue %} ...
LATE_BRANCH = re.compile(r"\{% (?:el)?if [^%]*(?:overdue|due_at < now)[^%]*%\}")
# ... and says so in words: the badge, a countdown ("5 min overdue") or the word translated.
SAID_LATE = re.compile(
    r"\{% overdue_badge %\}|\{% countdown |\{% translate \"overdue\" %\}"
    r"|\{% blocktranslate[^%]*%\}(?:(?!\{% endblocktranslate).)*overdue",
    re.DOTALL,
)
INCLUDE = re.compile(r"\{% include \"([^\"]+)\"")
OVERDUE = {"en": "overdue", "tr": "süresi geçti"}


def templates() -> list[Path]:
    apps = ["config", "incidents", "teams", "communications", "postmortems", "drills", "desk"]
    return [
        path
        for folder in [ROOT / "templates", *(ROOT / app for app in apps)]
        for path in folder.rglob("*.html")
    ]


def test_every_template_that_marks_something_late_says_so_in_words():
    """Each template that branches on lateness says it in words, itself or in a template it
    includes (a list colours its rows, the row it includes says "overdue")."""
    found = templates()
    by_name = {
        str(path.relative_to(folder)): path
        for path in found
        for folder in path.parents
        if folder.name == "templates"
    }
    checked, silent = [], []
    for path in found:
        text = path.read_text()
        included = [by_name[name].read_text() for name in INCLUDE.findall(text) if name in by_name]
        if LATE_BRANCH.search(text):
            checked.append(path.name)
            if not any(SAID_LATE.search(said) for said in [text, *included]):
                silent.append(str(path.relative_to(ROOT)))
    assert len(checked) >= 12, checked  # the scan finds the templates it guards
    assert silent == []


def part(client: Client, incident, which: WarRoomPart, language: str) -> str:
    response = client.get(
        f"{incident.get_absolute_url()}?part={which.value}", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    return response.content.decode()


def item_html(page: str, panel: str, title: str) -> str:
    """The list item of the panel (its element's id) that shows ``title``."""
    at = page.index(title, page.index(f'id="{panel}"'))
    return page[page.rindex("<li", 0, at) : page.index("</li>", at)]


@pytest.mark.parametrize("language", ["en", "tr"])
def test_an_overdue_checklist_item_and_stakeholder_update_say_overdue(client, manager, language):
    regulators = StakeholderGroupFactory(name="Regulators", kind=StakeholderGroup.Kind.REGULATORS)
    PlanEntryFactory(severity=1, group=regulators, channel=Channel.EMAIL, within_minutes=60)
    incident = flows.incident_declare(actor=manager, title="Battery fire video", severity=1)
    flows.checklist_item_add(
        actor=manager,
        incident=incident,
        title="Call the lab",
        due_at=timezone.now() + timedelta(minutes=30),
    )
    flows.checklist_item_add(
        actor=manager,
        incident=incident,
        title="Brief the call centre",
        due_at=timezone.now() + timedelta(hours=3),
    )
    client.force_login(manager)
    # Two hours on: the lab call and the regulators' email are late, the briefing is not.
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        checklist = part(client, incident, WarRoomPart.CHECKLIST, language)
        stakeholders = part(client, incident, WarRoomPart.STAKEHOLDERS, language)
    late = OVERDUE[language]
    assert late in item_html(checklist, "checklist-panel", "Call the lab")
    assert late not in item_html(checklist, "checklist-panel", "Brief the call centre")
    assert late in item_html(stakeholders, "stakeholders-panel", "Regulators")


@pytest.mark.parametrize("language", ["en", "tr"])
def test_every_cell_of_the_heat_map_names_its_band(client, manager, language):
    risk_services.risk_save(
        actor=manager,
        title="Viral product rumour",
        category="product_quality",
        likelihood=4,
        impact=5,
        owner=manager,
        review_at=timezone.now() + timedelta(days=30),
    )
    client.force_login(manager)
    response = client.get(reverse("teams:risk-heat-map"), HTTP_ACCEPT_LANGUAGE=language)
    page = response.content.decode()
    cells = re.findall(r'<td class="band-cell band-(\w+)"[^>]*>\s*<span class="band-name"', page)
    assert len(cells) == 25
    for row in response.context["grid"]:
        for cell in row:
            with translation.override(language):
                label = str(cell["band"].label)
            assert f'<span class="band-name" aria-hidden="true">{label}</span>' in page
    assert {"low", "medium", "high", "critical"} == set(cells)


def test_a_severity_badge_says_its_level_and_what_it_means():
    for severity in Severity:
        badge = severity_badge(severity.value)
        assert f">{severity.short}</span>" in badge
        assert f'title="{severity.description}"' in badge
