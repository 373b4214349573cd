"""What funders read and do in the admin: a diff in words, review before publishing, suggestions
from the public, a dashboard that searches and filters."""

from __future__ import annotations

import pytest
from admin_support import make_user, sign_in
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.editing import latest_revision, save_draft
from app.schemes import Scheme
from app.vocabulary import Vocabulary


def lowered_threshold(catalogue: list[Scheme], wording: bool) -> Scheme:
    """cnm-transition-numerique with its music share threshold at 30 (and its label, if asked)."""
    base = next(s for s in catalogue if s.id == "cnm-transition-numerique")
    document = base.document()
    share = next(c for c in document["criteria"] if c["id"] == "music-activity-share")
    share["rule"]["value"] = 30
    if wording:
        share["label"] = {
            "fr": "Au moins 30 % de l'activité de votre structure relève de la musique.",
            "en": "At least 30% of your organisation's activity is in music and variety.",
        }
    document["examples"] = [e for e in document["examples"] if "40%" not in e["title"]]
    return Scheme.model_validate(document)


@pytest.mark.parametrize(
    ("lang", "where", "before"),
    [
        ("en", "Criterion 1 (music-activity-share) › Condition 1 › Value", "Wording before:"),
        ("fr", "Critère 1 (music-activity-share) › Condition 1 › Valeur", "Formulation avant :"),
    ],
)
def test_the_revision_diff_names_fields_in_words_with_the_wording_of_both_versions(
    client: FlaskClient,
    db: Session,
    catalogue: list[Scheme],
    vocabulary: Vocabulary,
    lang: str,
    where: str,
    before: str,
) -> None:
    scheme = lowered_threshold(catalogue, wording=True)
    base = latest_revision(db, scheme.id)
    assert base is not None
    save_draft(db, scheme, base=base.number, author="editor", comment="30 %", vocabulary=vocabulary)
    sign_in(client, make_user(db, "editor@example.org", "editor"))
    html = client.get(f"/{lang}/admin/schemes/{scheme.id}/revisions").get_data(as_text=True)
    latest = html.split('<article class="card revision">')[1]
    assert where in latest
    assert "criteria[0]" not in latest
    assert before in latest
    assert "30 %" in latest.replace("\u00a0", " ") or "30%" in latest
