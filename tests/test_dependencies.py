"""The lock file that `make setup` and CI install from agrees with pyproject.toml's pins."""

from __future__ import annotations

import re
import tomllib

from app.config import PROJECT_ROOT


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _pins() -> dict[str, str]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"
    ]
    declared = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    pins = {}
    for requirement in declared:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[^\]]+\])?==([^;\s]+)", requirement)
        assert match, f"{requirement!r} is not pinned to an exact version"
        pins[_name(match[1])] = match[2]
    return pins


def test_every_declared_dependency_is_locked_at_its_pinned_version() -> None:
    lock = (PROJECT_ROOT / "requirements.lock").read_text(encoding="utf-8")
    locked = {
        _name(name): version
        for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", lock, re.M)
    }
    assert {name: locked.get(name) for name in _pins()} == _pins(), "run `make lock`"
    assert lock.count("--hash=sha256:") >= len(locked)  # every package checked by hash
