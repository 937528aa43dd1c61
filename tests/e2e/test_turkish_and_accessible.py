"""Every main page, in Turkish and in English, at 1366 px and at 390 px: axe-core (from npm)
finds no serious or critical violation; and in Turkish no sentence of the product's own is
left in English. Each page's share of Turkish words is printed (the closing note's numbers)."""

import gettext
import re
from pathlib import Path

import pytest
from django.utils import translation

from communications.messaging.services import messages as message_services
from communications.messaging.services import statements
from incidents import services as incident_services
from incidents.models import Status
from postmortems import flows as postmortem_flows
from postmortems import services as postmortem_services
from teams import flows
from teams.models import User
from tests.communications.factories import InboundPostFactory, SandboxAccountFactory
from tests.e2e.conftest import ARTIFACTS, signed_in
from tests.e2e.worlds import product_safety_playbook
from tests.teams.factories import admin, responder

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CATALOGUE = ROOT / "locale" / "tr" / "LC_MESSAGES" / "django.mo"
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}
RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']},
    resultTypes: ['violations'],
  });
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ' (' + v.impact + '): '
         + v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '')
           .split('\\n').slice(1, 2).join('')).join(' | '));
}"""
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sd]|\{\w*\}|<[^>]+>|\n")
WORD = re.compile(r"[^\W\d_]+")


def english_sentences() -> list[str]:
    """The product's own English that Turkish says otherwise: each msgid's runs of at least
    two words between its placeholders (a run alone on a Turkish page is a leak)."""
    with CATALOGUE.open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    runs = set()
    for msgid, msgstr in catalogue.items():
        english = msgid[0] if isinstance(msgid, tuple) else msgid
        english = english.split("\x04")[-1]
        if not english or english == msgstr:
            continue
        for run in PLACEHOLDER.split(english):
            run = run.strip(" .,:;…()—-“”\"'")
            if len(run.split()) >= 2 and run not in str(msgstr):
                runs.add(run)
    return sorted(runs, key=len, reverse=True)


def english_words() -> tuple[set[str], set[str]]:
    """The words of the product's English and those of its Turkish."""
    with CATALOGUE.open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    english, turkish = set(), set()
    for msgid, msgstr in catalogue.items():
        source = msgid[0] if isinstance(msgid, tuple) else msgid
        english |= {w.lower() for w in WORD.findall(PLACEHOLDER.sub(" ", source))}
        turkish |= {w.lower() for w in WORD.findall(PLACEHOLDER.sub(" ", str(msgstr)))}
    return english - turkish, turkish - english


def the_world():
    """An incident in its response with a message waiting, a playbook and a risk, a mention,
    a resolved incident with its postmortem: a page of each kind has something to show."""
    chief = admin(username="chief", first_name="Zeynep", last_name="Aksoy")
    ali = responder(username="ali", first_name="Ali", last_name="Demir")
    product_safety_playbook(chief)
    incident = flows.incident_declare(
        actor=chief, title="Pil geri çağırma söylentisi: 24-117 partisi", severity=1
    )
    incident_services.incident_note_add(actor=chief, incident=incident, text="Laboratuvar aradı.")
    incident_services.claim_add(actor=chief, incident=incident, statement="Piller şişiyor")
    account = SandboxAccountFactory(handle="marka")
    message = message_services.message_create(
        actor=ali, incident=incident, account=account, body="Konuyu inceliyoruz."
    )
    message_services.message_submit(actor=ali, message=message)
    statements.template_save(
        actor=chief, name="İlk açıklama", kind="holding_statement", language="tr", body="Ekip {x}"
    )
    InboundPostFactory(account=account, text="Telefonumun pili şişti mi?", incident=incident)
    done = flows.incident_declare(actor=chief, title="Eski kampanya tepkisi", severity=3)
    for status in (Status.TRIAGED, Status.RESPONDING, Status.RESOLVED):
        postmortem_flows.incident_transition(actor=chief, incident=done, to=status)
    postmortem = postmortem_services.postmortem_start(actor=chief, incident=done)
    return chief, incident, message, postmortem


def pages(incident, message, postmortem) -> list[str]:
    return [
        "/",
        "/incidents/",
        incident.get_absolute_url(),
        f"{incident.get_absolute_url()}?part=claims",
        "/incidents/declare/",
        f"/communications/messages/new/?incident={incident.reference}",
        "/communications/approvals/",
        message.get_absolute_url(),
        "/communications/mentions/",
        "/communications/alerts/",
        "/drills/",
        "/communications/playbooks/",
        "/team/risks/",
        "/team/risks/heat-map/",
        "/team/deadlines/mine/",
        "/postmortems/",
        postmortem.get_absolute_url(),
    ]


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)


def test_every_main_page_is_turkish_and_accessible_in_both_languages_and_widths(
    browser, live_server, request
):
    # Written as a Turkish team writes it: what the record keeps is in the words of its writer.
    with translation.override("tr"):
        chief, incident, message, postmortem = the_world()
    leaks_of = english_sentences()
    english_only, _turkish_only = english_words()
    failures: list[str] = []
    shares: dict[str, float] = {}
    # One sign-in for the whole walk (each second step takes a fresh code); the language is the
    # profile's, read on every request, and the width the window's.
    page = signed_in(browser, live_server, chief, *SIZES["desktop"], bypass_csp=True)
    # The war room and the composer in Turkish, looked at (test-results/e2e/<this test>/).
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    shown = {
        incident.get_absolute_url(): "war-room",
        f"/communications/messages/new/?incident={incident.reference}": "composer",
    }
    for language in ("tr", "en"):
        User.objects.filter(pk=chief.pk).update(language=language)
        for name, (width, height) in SIZES.items():
            # Signed out: the sign-in page, in the language the browser asks for.
            context = browser.new_context(
                viewport={"width": width, "height": height},
                bypass_csp=True,
                locale="tr-TR" if language == "tr" else "en-US",
            )
            login = context.new_page()
            login.goto(f"{live_server.url}/accounts/login/")
            assert login.locator("html").get_attribute("lang") == language
            for found in axe_violations(login):
                failures.append(f"{language} {name} /accounts/login/: {found}")
            # The public statement page and its way to subscribe, as the public reads them.
            for public in (f"/status/{language}/", f"/status/{language}/subscribe/"):
                login.goto(f"{live_server.url}{public}")
                assert login.locator("html").get_attribute("lang") == language
                for found in axe_violations(login):
                    failures.append(f"{language} {name} {public}: {found}")
            context.close()

            page.set_viewport_size({"width": width, "height": height})
            for url in pages(incident, message, postmortem):
                page.goto(f"{live_server.url}{url}")
                assert page.locator("html").get_attribute("lang") == language
                for found in axe_violations(page):
                    failures.append(f"{language} {name} {url}: {found}")
                if language == "tr" and url in shown:
                    page.screenshot(path=str(folder / f"tr-{name}-{shown[url]}.png"))
                if language == "tr" and name == "desktop":
                    text = page.locator("body").inner_text()
                    leaks = [run for run in leaks_of if run in text]
                    if leaks:
                        failures.append(f"tr {url}: English left: {leaks[:5]}")
                    words = [w.lower() for w in WORD.findall(text)]
                    english = sum(1 for w in words if w in english_only)
                    shares[url] = 1 - english / max(1, len(words))
    page.context.close()
    for url, share in shares.items():
        print(f"turkish words: {share:6.1%}  {url}")
    print("\n".join(failures))
    assert failures == []
