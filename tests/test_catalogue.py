"""Every scheme file is valid and canonical; malformed files get `file: field: message`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import CONTRACT_IDS

from app.catalogue import CatalogueError, dump_scheme, parse_scheme, read_catalogue, scheme_files
from app.config import DEFAULT_SCHEMES_DIR, PROJECT_ROOT
from app.schemes import Scheme
from app.vocabulary import Vocabulary

SCHEME_FILES = scheme_files(DEFAULT_SCHEMES_DIR)
CONTRACT = PROJECT_ROOT.parent / "shared" / "design" / "contract.md"


def test_every_contract_id_has_a_file() -> None:
    ids = {path.stem for path in SCHEME_FILES}
    assert sorted(set(CONTRACT_IDS) - ids) == []


@pytest.mark.skipif(
    not CONTRACT.exists(), reason="shared/design/contract.md is not beside the repo"
)
def test_contract_ids_list_matches_the_contract() -> None:
    table = CONTRACT.read_text(encoding="utf-8").split("## 2.")[0]
    cells = re.findall(r"^\| ([a-z0-9, -]+) \|", table, flags=re.MULTILINE)
    promised = {i.strip() for cell in cells for i in cell.split(",") if i.strip() != "id"}
    assert promised == set(CONTRACT_IDS)


def test_the_whole_catalogue_is_valid(catalogue: list[Scheme]) -> None:
    assert len(catalogue) == len(SCHEME_FILES)


@pytest.mark.parametrize("path", SCHEME_FILES, ids=lambda p: p.stem)
def test_scheme_file(path: Path, vocabulary: Vocabulary) -> None:
    text = path.read_text(encoding="utf-8")
    scheme, problems = parse_scheme(path.name, text)
    assert problems == []
    assert scheme is not None
    # Canonical layout: what `schemes export` writes is exactly what is committed.
    assert dump_scheme(scheme) == text
    for field in (scheme.name, scheme.summary, scheme.description):
        assert field.fr.strip()
        assert field.en.strip()
        assert field.fr != field.en or len(field.fr) < 40
    assert any(source.kind == "official" for source in scheme.sources)
    if scheme.lifecycle.status == "replaced":
        assert scheme.lifecycle.replaced_by in {p.stem for p in SCHEME_FILES}


VALID = (DEFAULT_SCHEMES_DIR / "cnc-xn-ecriture.yaml").read_text(encoding="utf-8")


def _problems(
    tmp_path: Path, vocabulary: Vocabulary, text: str, name: str = "cnc-xn-ecriture.yaml"
) -> list[str]:
    target = tmp_path / name
    target.write_text(text, encoding="utf-8")
    others = [p.stem for p in SCHEME_FILES if p.name != name]
    with pytest.raises(CatalogueError) as caught:
        read_catalogue([target], vocabulary, others)
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda t: t.replace("kind: grant", "kind: grant\ncolour: blue"),
            "cnc-xn-ecriture.yaml: colour: unknown key",
        ),
        (
            lambda t: t.replace("  en: XN Fund – writing grant\n", ""),
            "cnc-xn-ecriture.yaml: name.en: missing English translation",
        ),
        (
            lambda t: t.replace("  fr: Fonds XN – aide à l'écriture\n", "  fr: ''\n"),
            "cnc-xn-ecriture.yaml: name.fr: empty French translation",
        ),
        (
            lambda t: t.replace(
                "replaced_by: cnc-creation-immersive-ecriture", "replaced_by: cnc-nowhere"
            ),
            "cnc-xn-ecriture.yaml: lifecycle.replaced_by: unknown scheme 'cnc-nowhere'",
        ),
        (
            lambda t: t.replace("kind: grant", "kind: gift"),
            "cnc-xn-ecriture.yaml: kind: Input should be",
        ),
        (
            lambda t: t.replace("checked: 2026-11-27", "checked: yesterday", 1),
            "cnc-xn-ecriture.yaml: sources[0].checked: Input should be a valid date",
        ),
        (
            lambda t: t.replace("  - author", "  - poet"),
            "cnc-xn-ecriture.yaml: audience.roles[0]: unknown value 'poet'",
        ),
        (
            lambda t: t.replace("funder: cnc", "funder: nasa"),
            "cnc-xn-ecriture.yaml: funder: unknown organisation 'nasa'",
        ),
        (
            lambda t: t.replace("  source: cnc-xn\n", "  source: somewhere\n"),
            "cnc-xn-ecriture.yaml: audience.source: unknown source 'somewhere'",
        ),
        (
            lambda t: t.replace("id: cnc-xn-ecriture", "id: cnc-xn-writing"),
            "cnc-xn-ecriture.yaml: id: 'cnc-xn-writing' does not match the file name",
        ),
        (
            lambda t: t.replace("  replaced_by: cnc-creation-immersive-ecriture\n", ""),
            "cnc-xn-ecriture.yaml: lifecycle.replaced_by: a replaced scheme needs replaced_by",
        ),
        (lambda t: t + "  - [unbalanced\n", "cnc-xn-ecriture.yaml: line"),
        (
            lambda t: "- just\n- a list\n",
            "cnc-xn-ecriture.yaml: (file): a scheme file must be a mapping",
        ),
        (
            lambda t: t.replace("kind: official", "kind: press"),
            "cnc-xn-ecriture.yaml: sources: at least one official source is required",
        ),
    ],
    ids=[
        "unknown-key",
        "missing-translation",
        "empty-translation",
        "unknown-successor",
        "bad-kind",
        "bad-date",
        "unknown-role",
        "unknown-funder",
        "unknown-source",
        "id-mismatch",
        "replaced-without-successor",
        "broken-yaml",
        "not-a-mapping",
        "no-official-source",
    ],
)
def test_malformed_file_names_file_and_field(
    tmp_path: Path, vocabulary: Vocabulary, change, expected: str
) -> None:  # type: ignore[no-untyped-def]
    changed = change(VALID)
    assert changed != VALID
    problems = _problems(tmp_path, vocabulary, changed)
    assert any(p.startswith(expected) for p in problems), problems


def test_duplicate_ids_across_files_are_refused(tmp_path: Path, vocabulary: Vocabulary) -> None:
    first = tmp_path / "a" / "cnc-xn-ecriture.yaml"
    second = tmp_path / "b" / "cnc-xn-ecriture.yaml"
    for path in (first, second):
        path.parent.mkdir()
        path.write_text(VALID, encoding="utf-8")
    others = [p.stem for p in SCHEME_FILES]
    with pytest.raises(CatalogueError) as caught:
        read_catalogue([first, second], vocabulary, others)
    assert any("duplicate id 'cnc-xn-ecriture'" in str(p) for p in caught.value.problems)


def test_every_problem_is_reported_at_once(tmp_path: Path, vocabulary: Vocabulary) -> None:
    broken = VALID.replace("kind: grant", "kind: gift").replace("funder: cnc", "funder: nasa")
    problems = _problems(tmp_path, vocabulary, broken)
    assert len(problems) >= 1
    assert any("kind" in p for p in problems)
