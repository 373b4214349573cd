"""The draft beside the published page: both as the public reads them, in the reader's
language, with the ids of the two copies kept apart."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from admin_support import make_user, sign_in
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.editing import latest_revision, save_draft
from app.schemes import Scheme
from app.vocabulary import Vocabulary

SCHEME = "cnl-bourse-auteurs"


def _draft_with_new_summary(db: Session, catalogue: list[Scheme], vocabulary: Vocabulary) -> int:
    original = next(s for s in catalogue if s.id == SCHEME)
    summary = original.summary.model_copy(
        update={"fr": "Résumé du brouillon.", "en": "The draft's summary."}
    )
    base = latest_revision(db, SCHEME)
    assert base is not None
    row = save_draft(
        db,
        original.model_copy(update={"summary": summary}),
        base=base.number,
        author="editor@example.org",
        comment="",
        vocabulary=vocabulary,
    )
    return row.number


def _columns(page: str) -> dict[str, str]:
    """Each column's HTML by its id prefix (the last one runs to the end of the page)."""
    parts = page.split('<section class="side-by-side-column" aria-labelledby="')[1:]
    return {part.split("title", 1)[0]: part for part in parts}


@pytest.mark.parametrize(
    ("lang", "draft_title", "published_title", "draft_text"),
    [
        ("fr", "Brouillon : révision n° ", "Publié : révision n° ", "Résumé du brouillon."),
        ("en", "Draft: revision no. ", "Published: revision no. ", "The draft&#39;s summary."),
    ],
)
def test_the_draft_stands_beside_the_published_page(
    client: FlaskClient,
    db: Session,
    catalogue: list[Scheme],
    vocabulary: Vocabulary,
    lang: str,
    draft_title: str,
    published_title: str,
    draft_text: str,
) -> None:
    original = next(s for s in catalogue if s.id == SCHEME)
    number = _draft_with_new_summary(db, catalogue, vocabulary)
    sign_in(client, make_user(db, "editor@example.org", "editor"))
    response = client.get(f"/{lang}/admin/schemes/{SCHEME}/compare")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    columns = _columns(page)
    assert list(columns) == ["draft-", "published-"]
    draft, published = columns["draft-"], columns["published-"]
    assert f"{draft_title}{number}" in draft
    assert published_title in published
    assert draft_text in draft
    assert draft_text not in published
    old_summary = original.summary.get(lang).replace("'", "&#39;")
    assert old_summary in published
    assert old_summary not in draft
    # The same public page twice: every id once, and every in-page link lands in its own column.
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert [i for i, n in ids.items() if n > 1] == []
    for prefix, column in (("draft-", draft), ("published-", published)):
        targets = re.findall(r'href="#([^"]+)"', column)
        assert targets
        assert all(t.startswith(prefix) and t in ids for t in targets)
    other = "en" if lang == "fr" else "fr"
    assert f'href="/{other}/admin/schemes/{SCHEME}/compare"' in page  # the other language


def test_without_a_draft_the_published_page_stands_alone(client: FlaskClient, db: Session) -> None:
    sign_in(client, make_user(db, "editor@example.org", "editor"))
    page = client.get(f"/en/admin/schemes/{SCHEME}/compare").get_data(as_text=True)
    assert "There is no draft: the published page is shown alone." in page
    assert 'aria-labelledby="draft-title"' not in page
    assert 'aria-labelledby="published-title"' in page


def test_an_unknown_scheme_is_404(client: FlaskClient, db: Session) -> None:
    sign_in(client, make_user(db, "editor@example.org", "editor"))
    assert client.get("/en/admin/schemes/no-such-scheme/compare").status_code == 404


def test_the_public_page_keeps_its_plain_ids(client: FlaskClient) -> None:
    page = client.get(f"/en/aides/{SCHEME}").get_data(as_text=True)
    assert 'id="sources"' in page
    assert re.search(r'href="#source-[^"]+"', page)
