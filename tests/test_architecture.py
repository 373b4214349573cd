"""The domain runs without Flask (architecture rule 1)."""

from __future__ import annotations

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
    "app.eligibility.operators",
    "app.eligibility.examples",
    "app.repository",
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
