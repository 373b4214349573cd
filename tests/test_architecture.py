"""The layers: the domain runs without Flask (architecture rule 1) and owns its writes,
eligibility sits above the scheme format, and app/web's groups (pages, api, admin, core) import
only what they may."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT

DOMAIN_MODULES = [
    "app.config",
    "app.i18n",
    "app.schemes",
    "app.scheme_rules",
    "app.scheme_operators",
    "app.vocabulary",
    "app.catalogue",
    "app.deadlines",
    "app.db",
    "app.models",
    "app.facets",
    "app.scheme_operators",
    "app.eligibility.examples",
    "app.repository",
    "app.sign_in",
    "app.catalogue_export",
    "app.cli",
]


WEB_PACKAGES = {"flask", "flask_babel", "flask_wtf", "wtforms"}


def _leaked(modules: list[str], condition: str) -> subprocess.CompletedProcess[str]:
    """Import the modules in a fresh interpreter; exit 1 and print what `condition` matched."""
    code = (
        "import sys\n"
        + "".join(f"import {module}\n" for module in modules)
        + f"leaked = sorted(m for m in sys.modules if {condition})\n"
        + "print(leaked)\n"
        + "sys.exit(1 if leaked else 0)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )


def test_importing_the_domain_leaves_flask_out() -> None:
    result = _leaked(DOMAIN_MODULES, f"m.split('.')[0] in {WEB_PACKAGES!r}")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_web_layer_never_commits_nor_audits() -> None:
    """Each write service validates, writes, audits and commits in one unit of work
    (app.db.unit_of_work); the views only translate HTTP."""
    found = []
    for path in sorted((PROJECT_ROOT / "app" / "web").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                called = node.func.attr
                owner = node.func.value
                if called in ("commit", "rollback", "begin") or (
                    called == "record" and isinstance(owner, ast.Name) and owner.id == "audit"
                ):
                    found.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} {called}")
    assert found == []


def test_the_scheme_format_never_imports_eligibility() -> None:
    """Eligibility evaluates the rules of scheme files: it imports them, never the reverse."""
    format_modules = ["app.schemes", "app.scheme_rules", "app.scheme_operators"]
    result = _leaked(format_modules, "m == 'app.eligibility' or m.startswith('app.eligibility.')")
    assert result.returncode == 0, result.stdout + result.stderr


WEB = PROJECT_ROOT / "app" / "web"
# What each group of app/web may import from app/web: core is shared by the three others.
ALLOWED = {
    "core": {"core"},
    "pages": {"core", "pages"},
    "api": {"core", "api"},
    "admin": {"core", "admin"},
}
# `aides alerts send` builds the application to ask its own API: the one module that may.
BUILDS_THE_APP = {"app/web/pages/alerts_runner.py"}


def _web_imports(path: Path) -> set[str]:
    """The app.web modules (or packages) a file imports, from its syntax tree."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: relative import"
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.startswith("app.web.")}


@pytest.mark.parametrize("group", sorted(ALLOWED))
def test_web_groups_import_only_what_they_may(group: str) -> None:
    wrong = [
        f"{path.relative_to(PROJECT_ROOT)} imports {name}"
        for path in sorted((WEB / group).rglob("*.py"))
        for name in sorted(_web_imports(path))
        if name.split(".")[2] not in ALLOWED[group]
        and not (
            name == "app.web.create_app" and str(path.relative_to(PROJECT_ROOT)) in BUILDS_THE_APP
        )
    ]
    assert not wrong, "\n".join(wrong)


def test_every_web_module_is_in_a_group() -> None:
    """app/web holds only create_app; each module lives in pages/, api/, admin/ or core/."""
    flat = sorted(path.name for path in WEB.glob("*.py") if path.name != "__init__.py")
    groups = sorted(path.name for path in WEB.iterdir() if (path / "__init__.py").exists())
    assert flat == []
    assert groups == sorted(ALLOWED)
