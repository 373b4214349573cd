"""Reading scheme files into Schemes with `file: field: message` problems, and writing them back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from app.eligibility.checks import check_rules
from app.facets import audience_values
from app.schemes import Scheme
from app.vocabulary import REFERENCE_FILES, Vocabulary

_LANGUAGE_NAMES = {"fr": "French", "en": "English"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a scheme file."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class CatalogueError(Exception):
    """A catalogue was refused; `problems` says why, file by file."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _field_path(loc: Iterable[int | str]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path or "(file)"


def _message(detail: ErrorDetails) -> str:
    loc = detail["loc"]
    if detail["type"] == "extra_forbidden":
        return "unknown key"
    if detail["type"] == "missing" and loc and loc[-1] in _LANGUAGE_NAMES:
        return f"missing {_LANGUAGE_NAMES[str(loc[-1])]} translation"
    if detail["type"] == "string_too_short" and loc and loc[-1] in _LANGUAGE_NAMES:
        return f"empty {_LANGUAGE_NAMES[str(loc[-1])]} translation"
    return detail["msg"].removeprefix("Value error, ")


def parse_scheme(name: str, text: str) -> tuple[Scheme | None, list[Problem]]:
    """Parse and validate one file's text on its own (no cross-file checks)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        return None, [Problem(name, where, f"not valid YAML: {getattr(error, 'problem', error)}")]
    if not isinstance(data, dict):
        return None, [Problem(name, "(file)", "a scheme file must be a mapping of keys to values")]
    try:
        scheme = Scheme.model_validate(data)
    except ValidationError as error:
        return None, [Problem(name, _field_path(d["loc"]), _message(d)) for d in error.errors()]
    return scheme, []


def _check_vocabulary(name: str, scheme: Scheme, vocabulary: Vocabulary) -> list[Problem]:
    problems: list[Problem] = []
    for facet, values in audience_values(scheme):
        allowed = vocabulary.variable(facet.variable).value_ids()
        for position, value in enumerate(values):
            if value not in allowed:
                problems.append(
                    Problem(name, f"audience.{facet.field}[{position}]", f"unknown value {value!r}")
                )
    for field in ("funder", "operator"):
        org = getattr(scheme, field)
        if org is not None and org not in vocabulary.organisations:
            problems.append(Problem(name, field, f"unknown organisation {org!r}"))
    return problems


def _check_sources(name: str, scheme: Scheme) -> list[Problem]:
    ids = [source.id for source in scheme.sources]
    problems = [
        Problem(name, "sources", f"duplicate source id {sid!r}")
        for sid in sorted(set(ids))
        if ids.count(sid) > 1
    ]
    problems += [
        Problem(name, field, f"unknown source {ref!r}")
        for field, ref in scheme.source_references()
        if ref not in ids
    ]
    if not any(source.kind == "official" for source in scheme.sources):
        problems.append(Problem(name, "sources", "at least one official source is required"))
    return problems


def check_catalogue(
    files: Mapping[Path, Scheme],
    vocabulary: Vocabulary,
    other_ids: Iterable[str] = (),
    run_examples: bool = True,
) -> list[Problem]:
    """Checks that span files: ids, links between schemes (to these files or other_ids)."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for path, scheme in files.items():
        name = path.name
        if path.stem != scheme.id:
            problems.append(Problem(name, "id", f"{scheme.id!r} does not match the file name"))
        if scheme.id in seen:
            other = seen[scheme.id]
            problems.append(Problem(name, "id", f"duplicate id {scheme.id!r}, also in {other}"))
        seen.setdefault(scheme.id, str(path))
    known = set(other_ids)
    for path, scheme in files.items():
        name = path.name
        for field, target in (
            ("parent", scheme.parent),
            ("lifecycle.replaced_by", scheme.lifecycle.replaced_by),
        ):
            if target is None:
                continue
            if target == scheme.id:
                problems.append(Problem(name, field, "a scheme cannot point to itself"))
            elif target not in seen and target not in known:
                problems.append(Problem(name, field, f"unknown scheme {target!r}"))
        problems += _check_vocabulary(name, scheme, vocabulary)
        problems += _check_sources(name, scheme)
        problems += [
            Problem(name, field, message)
            for field, message in check_rules(scheme, vocabulary, run_examples)
        ]
    return problems


def scheme_files(path: Path) -> list[Path]:
    """The scheme files at path: the file itself, or every <id>.yaml of a directory."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.glob("*.yaml") if p.name not in REFERENCE_FILES)


def sibling_ids(path: Path) -> list[str]:
    """Ids of the other scheme files beside a single file (links may point to them)."""
    if not path.is_file():
        return []
    return [p.stem for p in scheme_files(path.parent) if p != path]


def read_catalogue(
    paths: Iterable[Path], vocabulary: Vocabulary, other_ids: Iterable[str] = ()
) -> dict[Path, Scheme]:
    """Read and fully validate scheme files; raise CatalogueError listing every problem.

    other_ids are schemes that exist elsewhere (the database, sibling files) and may be linked to.
    """
    files: dict[Path, Scheme] = {}
    problems: list[Problem] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            problems.append(Problem(path.name, "(file)", f"cannot be read: {error}"))
            continue
        scheme, file_problems = parse_scheme(path.name, text)
        problems += file_problems
        if scheme is not None:
            files[path] = scheme
    problems += check_catalogue(files, vocabulary, other_ids)
    if problems:
        raise CatalogueError(problems)
    return files


def read_directory(path: Path, vocabulary: Vocabulary) -> list[Scheme]:
    """Every scheme of a directory (or one file), validated, in id order."""
    return sorted(read_catalogue(scheme_files(path), vocabulary).values(), key=lambda s: s.id)


class _CanonicalDumper(yaml.SafeDumper):
    """Block style, multi-line text as literal blocks, tuples as lists, no anchors."""

    def ignore_aliases(self, data: object) -> bool:
        # Equal dates or texts shared by two fields must be written out twice, not as &id001.
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_CanonicalDumper.add_representer(str, _represent_str)
_CanonicalDumper.add_representer(tuple, yaml.SafeDumper.represent_list)


def dump_scheme(scheme: Scheme) -> str:
    """The canonical text of a scheme file: parse_scheme(dump_scheme(s)) == s."""
    data = scheme.model_dump(mode="python", exclude_defaults=True, by_alias=True)
    return yaml.dump(
        data,
        Dumper=_CanonicalDumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
        default_flow_style=False,
    )


def write_directory(schemes: Iterable[Scheme], directory: Path) -> list[Path]:
    """Write each scheme as <directory>/<id>.yaml in canonical form."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for scheme in schemes:
        target = directory / f"{scheme.id}.yaml"
        target.write_text(dump_scheme(scheme), encoding="utf-8")
        written.append(target)
    return written
