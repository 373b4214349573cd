"""This request's translations, found once per locale instead of once per string.

Flask-Babel finds the translations anew for each string (three lookups of its context, the
locale's name): about 8 µs, where reading the string costs 0.2 µs. The questionnaire's results
show up to 2,000 strings, so that was about 15 ms of each page. The translations found are kept
on Flask-Babel's own per-request context, with the locale they were found for: a locale forced
meanwhile (`force_locale`, for an e-mail or an API error in another language) is another object,
so its own translations are found, as Flask-Babel does.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_babel import get_translations

_KEPT = "aides_translations"  # (locale, translations) on Flask-Babel's context


def translations() -> Any:
    """The translations for this request's locale (Flask-Babel's get_translations)."""
    context = g.get("_flask_babel") if g else None
    locale = getattr(context, "babel_locale", None)
    kept = getattr(context, _KEPT, None)
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1]
    found = get_translations()  # sets the locale on the context when not yet chosen
    context = g.get("_flask_babel") if g else None
    if context is not None and getattr(context, "babel_locale", None) is not None:
        setattr(context, _KEPT, (context.babel_locale, found))
    return found


def gettext(string: str, **variables: Any) -> str:
    """flask_babel.gettext, with this request's translations found once."""
    text: str = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """flask_babel.ngettext, with this request's translations found once."""
    variables.setdefault("num", num)
    text: str = translations().ungettext(singular, plural, num)
    return text % variables


def init_app(app: Flask) -> None:
    """Templates' _(), ngettext()… through translations() (after Flask-Babel installed its)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
