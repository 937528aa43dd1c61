"""The shape of the house: layers that only point down, no import cycles, no hidden imports.

`make lint` runs the layers contracts (import-linter, configured in pyproject.toml): between the
apps, and between the rooms inside teams. These tests show that they catch an upward import, and
keep the two rules they do not check.
"""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = [
    "config",
    "incidents",
    "teams",
    "communications",
    "postmortems",
    "drills",
    "desk",
    "demo",
]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _copy_of_the_project(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "migrations", "templates", "static"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=project,
        env={"PYTHONPATH": str(project), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_layers_contract_holds_for_the_project():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "source", "broken"),
    [
        # The incident core reaching up into the team, at module level…
        ("incidents/probe.py", "from teams import services\n", "incidents.probe -> teams.services"),
        # …or hidden inside a function: both are upward imports.
        (
            "teams/probe.py",
            "def later():\n    from communications.messaging.services import messages\n",
            "teams.probe -> communications.messaging.services.messages",
        ),
        # A room of communications reaching up to a room above it, even inside a function.
        (
            "communications/accounts/probe.py",
            "def later():\n    from communications.messaging import gate\n",
            "communications.accounts.probe -> communications.messaging.gate",
        ),
        # The shared infrastructure importing an app.
        ("config/probe.py", "import incidents.selectors\n", "config.probe -> incidents.selectors"),
        # Inside teams, a room reaching up into one above it (the models into the risk register)…
        (
            "teams/models/probe.py",
            "from teams.risks import services\n",
            "teams.models.probe -> teams.risks.services",
        ),
        # …or into a sibling of its own layer (two rooms laid out like apps).
        (
            "teams/risks/probe.py",
            "def later():\n    from teams.playbooks import services\n",
            "teams.risks.probe -> teams.playbooks.services",
        ),
    ],
)
def test_an_upward_import_breaks_the_contract(tmp_path, module, source, broken):
    project = _copy_of_the_project(tmp_path)
    (project / module).write_text(source)
    result = _lint_imports(project)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert broken in result.stdout


def test_a_cycle_between_two_rooms_of_an_app_breaks_the_contract(tmp_path):
    """Counted at the level of an app's children (app.x), a loop breaks make lint even in an
    app without a layers contract of its own: the postmortem's charts reading its export,
    which draws the charts."""
    project = _copy_of_the_project(tmp_path)
    charts = project / "postmortems" / "charts.py"
    charts.write_text(charts.read_text() + "\nimport postmortems.export  # noqa: E402\n")
    result = _lint_imports(project)
    assert result.returncode != 0
    assert (
        "Inside every app, its modules and packages import one another without cycles BROKEN"
        in (result.stdout.replace("\n", " "))
    )


def _project_modules() -> list[Path]:
    return [
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    ]


def test_no_import_cycles_between_modules():
    """Two modules that import each other (even through others) hide a missing layer."""
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    imports = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    cycles = []
    for module in sorted(graph.modules):
        for imported in sorted(imports[module]):
            if graph.chain_exists(importer=imported, imported=module):
                cycles.append(f"{module} -> {imported} -> … -> {module}")
    assert cycles == []


def test_no_imports_hide_inside_functions():
    """An import inside a function hides a dependency from the reader and from the layers
    contract's reader; allowed only with a comment saying why (on the line or just above)."""
    hidden = []
    for path in _project_modules():
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    here = lines[inner.lineno - 1]
                    above = lines[inner.lineno - 2] if inner.lineno > 1 else ""
                    if "#" not in here and not above.strip().startswith("#"):
                        hidden.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    assert hidden == []
