"""The domain runs without Flask (architecture rule 1); the domain's services own their writes."""

from __future__ import annotations

import ast
import subprocess
import sys

from app.config import PROJECT_ROOT

DOMAIN_MODULES = [
    "app.config",
    "app.i18n",
    "app.schemes",
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


def test_importing_the_domain_leaves_flask_out() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {module}\n" for module in DOMAIN_MODULES)
        + f"leaked = sorted(m for m in sys.modules if m.split('.')[0] in {WEB_PACKAGES!r})\n"
        + "print(leaked)\n"
        + "sys.exit(1 if leaked else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
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
