"""A request finds its translations once per locale, and a forced locale still gets its own."""

from __future__ import annotations

import flask_babel
import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient
from flask_babel import force_locale

from app.web.core import translations
from app.web.core.translations import gettext, ngettext

DEADLINE = "Next deadline: %(date)s"


def test_strings_in_the_request_language_and_in_a_forced_one(app: Flask) -> None:
    with app.test_request_context("/fr/aides/"):
        app.preprocess_request()
        french = gettext(DEADLINE, date="1 mars")
        assert french == "Prochaine date limite : 1 mars"
        with force_locale("en"):  # an e-mail or an API error in the other language
            assert gettext(DEADLINE, date="1 March") == "Next deadline: 1 March"
            assert render_template_string("{{ _('Next deadline: %(date)s', date='x') }}") == (
                "Next deadline: x"
            )
        assert gettext(DEADLINE, date="1 mars") == french
        assert render_template_string("{{ _('Next deadline: %(date)s', date='x') }}") == (
            "Prochaine date limite : x"
        )
        assert ngettext("%(num)d to verify", "%(num)d to verify", 2) == "2 à vérifier"


def test_translations_are_found_once_per_locale_not_per_string(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Flask-Babel's lookup costs ~8 µs; the results page shows up to 2,000 strings.
    found: list[object] = []
    lookup = flask_babel.get_translations

    def counted() -> object:
        found.append(lookup())
        return found[-1]

    monkeypatch.setattr(translations, "get_translations", counted)
    with app.test_request_context("/en/aides/"):
        app.preprocess_request()
        for _ in range(50):
            gettext(DEADLINE, date="x")
        render_template_string("{% for i in range(50) %}{{ _('Source') }}{% endfor %}")
        with force_locale("fr"):
            gettext(DEADLINE, date="x")
            gettext(DEADLINE, date="x")
    assert len(found) == 2  # English once, French once
    page = client.get("/en/questionnaire/results?applicant_type=company")
    assert page.status_code == 200
    assert len(found) == 3  # a page's hundreds of strings: one lookup
