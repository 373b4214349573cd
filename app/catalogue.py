"""Reading scheme files into Schemes with `file: field: message` problems, and writing them back."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from app.eligibility.checks import check_rules
from app.facets import audience_values
from app.reasons import Reason, model_location, model_reason, reason
from app.schemes import Scheme
from app.vocabulary import REFERENCE_FILES, Vocabulary


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a scheme file: in English (message), and as a reason the web layer
    words in the reader's language."""

    file: str
    field: str
    message: str
    reason: Reason | None = dataclasses.field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


def problem(file: str, where: str, code: str, **params: object) -> Problem:
    """A problem worded from its reason's code."""
    why = reason(code, **params)
    return Problem(file, where, why.words(), why)


class CatalogueError(Exception):
    """A catalogue was refused; `problems` says why, file by file."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def field_path(loc: Iterable[int | str]) -> str:
    """A pydantic location as a field path: criteria[2].rule.all[1].value."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _model_problem(name: str, detail: ErrorDetails) -> Problem:
    why = model_reason(detail)
    # The command line keeps pydantic's own English, except where ours was always clearer.
    ours = why.code == "unknown_key" or why.code.endswith(("translation_fr", "translation_en"))
    message = why.words() if ours else detail["msg"].removeprefix("Value error, ")
    return Problem(name, field_path(model_location(detail)) or "(file)", message, why)


def parse_scheme(name: str, text: str) -> tuple[Scheme | None, list[Problem]]:
    """Parse and validate one file's text on its own (no cross-file checks)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        detail = getattr(error, "problem", error)
        return None, [problem(name, where, "not_yaml", detail=detail)]
    if not isinstance(data, dict):
        return None, [problem(name, "(file)", "not_mapping")]
    try:
        scheme = Scheme.model_validate(data)
    except ValidationError as error:
        return None, [_model_problem(name, d) for d in error.errors()]
    return scheme, []


def _check_vocabulary(name: str, scheme: Scheme, vocabulary: Vocabulary) -> list[Problem]:
    problems: list[Problem] = []
    for facet, values in audience_values(scheme):
        allowed = vocabulary.variable(facet.variable).value_ids()
        for position, value in enumerate(values):
            if value not in allowed:
                problems.append(
                    problem(
                        name, f"audience.{facet.field}[{position}]", "unknown_value", value=value
                    )
                )
    for field in ("funder", "operator"):
        org = getattr(scheme, field)
        if org is not None and org not in vocabulary.organisations:
            problems.append(problem(name, field, "unknown_organisation", id=org))
    return problems


def _check_sources(name: str, scheme: Scheme) -> list[Problem]:
    ids = [source.id for source in scheme.sources]
    problems = [
        problem(name, f"sources[{position}].id", "duplicate_source", id=sid)
        for position, sid in enumerate(ids)
        if sid in ids[:position]
    ]
    problems += [
        problem(name, field, "unknown_source", id=ref)
        for field, ref in scheme.source_references()
        if ref not in ids
    ]
    if not any(source.kind == "official" for source in scheme.sources):
        problems.append(problem(name, "sources", "official_source_required"))
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
            problems.append(problem(name, "id", "id_not_file_name", id=scheme.id))
        if scheme.id in seen:
            other = seen[scheme.id]
            problems.append(problem(name, "id", "duplicate_id", id=scheme.id, other=other))
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
                problems.append(problem(name, field, "points_to_itself"))
            elif target not in seen and target not in known:
                problems.append(_unknown_link(name, field, target, [*seen, *known]))
        problems += _check_vocabulary(name, scheme, vocabulary)
        problems += _check_sources(name, scheme)
        problems += [
            Problem(name, where, why.words(), why)
            for where, why in check_rules(scheme, vocabulary, run_examples)
        ]
    return problems


def _unknown_link(name: str, field: str, target: str, ids: list[str]) -> Problem:
    """A link to no scheme, naming the closest identifiers: an editor types them, and one
    letter wrong among 10,000 schemes is otherwise hard to see."""
    close = difflib.get_close_matches(target, ids, n=3, cutoff=0.8)
    if close:
        return problem(name, field, "unknown_scheme_close", id=target, close=", ".join(close))
    return problem(name, field, "unknown_scheme", id=target)


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
            problems.append(problem(path.name, "(file)", "unreadable", detail=error))
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
