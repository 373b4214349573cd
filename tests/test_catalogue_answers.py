"""Answers to selections (lists' filters and orders, searches) are kept apart from the values of
the whole catalogue: however many selections visitors ask for, those values stay, and the
answers kept stay within their bound, the least recently asked going first."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask
from flask.testing import FlaskClient

from app.deadlines import today_in_paris
from app.vocabulary import Vocabulary
from app.web.core import catalogue_cache
from app.web.core.catalogue_cache import Catalogue, _Answers, current_catalogue

SORTS = ("deadline", "name", "amount")


def cached(app: Flask) -> Catalogue:
    with app.test_request_context("/fr/"):
        return current_catalogue()


def selections(vocabulary: Vocabulary) -> list[list[tuple[str, str]]]:
    """Every single-value filter of the list page, in every order."""
    chosen = [("sector", v.id) for v in vocabulary.variable("sectors").values]
    chosen += [("funder", funder) for funder in sorted(vocabulary.organisations)]
    chosen += [("applicant_type", v.id) for v in vocabulary.variable("applicant_type").values]
    return [[pair, ("sort", sort)] for pair in chosen for sort in SORTS]


def test_many_selections_leave_the_values_of_the_whole_catalogue_in_place(
    app: Flask, client: FlaskClient, vocabulary: Vocabulary
) -> None:
    asked = selections(vocabulary)
    assert len(asked) > catalogue_cache.MEMO_SIZE  # what emptied every value before
    assert client.get("/fr/aides/?sort=deadline").status_code == 200
    assert client.get("/fr/aides/?sort=name").status_code == 200
    catalogue = cached(app)
    today = today_in_paris()
    kept = {
        key: catalogue._memo[key]
        for key in (
            ("listed", today),
            ("ranks", ("deadline order", today, "fr")),
            ("ranks", ("name order", "fr")),
        )
    }
    for params in asked:
        assert client.get(f"/fr/aides/?{urlencode(params)}").status_code == 200
    assert cached(app) is catalogue
    for key, value in kept.items():
        assert catalogue._memo[key] is value, key  # not worked out again
    assert len(catalogue._answers) > catalogue_cache.MEMO_SIZE  # every answer kept (small)


def test_answers_drop_the_least_recently_asked_past_their_size() -> None:
    answers = _Answers(max_size=10)
    computed: list[str] = []

    def compute(key: str, size: int = 4) -> list[str]:
        def work() -> list[str]:
            computed.append(key)
            return [key] * size

        return answers.get(key, work, len)

    assert compute("a") == ["a"] * 4
    compute("b")
    compute("a")  # asked again: now the most recent
    compute("c")  # 12 > 10: the least recently asked, b, goes
    assert computed == ["a", "b", "c"]
    compute("a")
    compute("c")
    assert computed == ["a", "b", "c"]  # both kept
    compute("b")
    assert computed == ["a", "b", "c", "b"]  # worked out again
    assert compute("huge", size=11) == ["huge"] * 11  # larger than the whole: answered…
    compute("huge", size=11)
    assert computed[-2:] == ["huge", "huge"]  # …but not kept
    assert len(answers) == 2  # c and b: the huge one evicted nothing
