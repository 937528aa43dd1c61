"""The Turkish catalogue is whole: every string the product shows, as makemessages finds it in
this checkout, is translated and none is fuzzy (a new or changed string fails here until it is
translated); its placeholders are the English ones; and the compiled catalogue is the one the
site reads."""

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
# GNU gettext's tools, which makemessages and `make messages` need too.
MSGFMT = shutil.which("msgfmt") or "/usr/bin/msgfmt"
MSGATTRIB = shutil.which("msgattrib") or "/usr/bin/msgattrib"
CATALOGUE = ROOT / "locale" / "tr" / "LC_MESSAGES" / "django.po"
# What makemessages leaves out: what is not the product (packages, tests, benchmarks, tools).
IGNORED = [".venv", "node_modules", "bench", "tests", "staticfiles", "var", "docs"]
STATISTICS = re.compile(
    r"(?P<translated>\d+) translated messages?"
    r"(?:, (?P<fuzzy>\d+) fuzzy translations?)?"
    r"(?:, (?P<untranslated>\d+) untranslated messages?)?"
)


def statistics(po: Path) -> dict[str, int]:
    result = subprocess.run(
        [MSGFMT, "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    found = STATISTICS.search(result.stderr)
    assert found, result.stderr
    return {key: int(value or 0) for key, value in found.groupdict().items()}


def untranslated_or_fuzzy(po: Path) -> list[str]:
    """The msgids msgattrib lists as untranslated or fuzzy, for a failure that names them."""
    listed = []
    for option in ("--untranslated", "--only-fuzzy"):
        result = subprocess.run(
            [MSGATTRIB, option, "--no-obsolete", "--no-wrap", str(po)],
            capture_output=True,
            text=True,
            check=True,
        )
        listed += [
            line.removeprefix("msgid ")
            for line in result.stdout.splitlines()
            if line.startswith("msgid ") and line != 'msgid ""'
        ]
    return listed


def fresh_catalogue(tmp_path: Path, settings: Any, monkeypatch: Any) -> Path:
    """makemessages run afresh on this checkout, merged with the catalogue as it is, written
    into a copy: it runs in a tree of links to the checkout whose only locale is the copy (it
    writes a file's strings into the nearest locale folder, which would be the checkout's)."""
    tree = tmp_path / "tree"
    tree.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in {*IGNORED, "locale", ".git"} and not entry.name.startswith("."):
            (tree / entry.name).symlink_to(entry)
    shutil.copytree(ROOT / "locale", tree / "locale", ignore=shutil.ignore_patterns("*.mo"))
    settings.LOCALE_PATHS = [tree / "locale"]
    monkeypatch.chdir(tree)
    call_command(
        "makemessages",
        locale=["tr"],
        ignore_patterns=IGNORED,
        no_obsolete=True,
        symlinks=True,
        verbosity=0,
    )
    return tree / "locale" / "tr" / "LC_MESSAGES" / "django.po"


def test_the_catalogue_checks_its_placeholders_and_compiles():
    result = subprocess.run(
        [MSGFMT, "--check", "-o", "/dev/null", str(CATALOGUE)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_every_string_the_product_shows_is_translated_and_no_other(tmp_path, settings, monkeypatch):
    """A string added since is untranslated, a string changed since is fuzzy; both fail. No
    entry the product no longer shows is kept (makemessages --no-obsolete is clean), and the
    run leaves the checkout's catalogue as it was. One makemessages run for both: it writes its
    temporary files beside the templates, so two runs at once (two test workers) would trip
    over each other's."""
    before = CATALOGUE.read_text()
    fresh = fresh_catalogue(tmp_path, settings, monkeypatch)
    counts = statistics(fresh)
    assert counts["translated"] > 2000
    assert (counts["untranslated"], counts["fuzzy"]) == (0, 0), untranslated_or_fuzzy(fresh)[:30]
    ours = set(re.findall(r'^msgid "(.+)"$', before, re.M))
    assert ours - set(re.findall(r'^msgid "(.+)"$', fresh.read_text(), re.M)) == set()
    assert CATALOGUE.read_text() == before


@pytest.mark.parametrize(
    ("english", "count"), [("%(counter)s open incident", 1), ("%(counter)s open incident", 3)]
)
def test_plural_forms_are_said_in_turkish(english, count):
    """Turkish keeps the noun singular after a number; both forms are filled."""
    with translation.override("tr"):
        said = translation.ngettext(english, english.replace("incident", "incidents"), count)
    assert "%(counter)s" in said
    assert "incident" not in said


def test_the_site_reads_the_compiled_catalogue():
    assert Path(settings.LOCALE_PATHS[0]) == ROOT / "locale"
    assert (ROOT / "locale" / "tr" / "LC_MESSAGES" / "django.mo").exists()
    with translation.override("tr"):
        assert translation.gettext("Declare incident") != "Declare incident"


@pytest.mark.django_db
def test_labels_made_with_a_class_are_said_in_the_readers_language(client, settings):
    """Sort orders, drill speeds and the like are made once, when their class is: they must
    still be said in the language of whoever reads the page, not the one active then."""
    from tests.teams.factories import manager

    client.force_login(manager(language="tr"))
    incidents = client.get("/incidents/").content.decode()
    assert "Son değişiklik (azalan)" in incidents
    assert "Last change" not in incidents
    assert "gerçek hız" in client.get("/drills/").content.decode()
    risks = client.get("/team/risks/").content.decode()
    assert "sonraki gözden geçirme" in risks
    assert "next review" not in risks


def test_javascript_has_no_words_of_its_own():
    """What a script shows comes from the page (data attributes, translated with the rest), so
    there is no JavaScript catalogue to keep: a quoted sentence in a script is a string no
    translator would ever see."""
    sentence = re.compile(r"""["'][A-Z][a-z]+(?: [a-z]+)+[.!?]?["']""")
    code = {
        path: "\n".join(
            line for line in path.read_text().splitlines() if not line.lstrip().startswith("//")
        )
        for path in (ROOT / "static" / "js").glob("*.js")
    }
    found = {str(path.relative_to(ROOT)): sentence.findall(text) for path, text in code.items()}
    assert {name: words for name, words in found.items() if words} == {}
