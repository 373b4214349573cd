"""Amounts of aid in words for one locale: euros, fixed sums, the one-line summary (Flask-free)."""

from __future__ import annotations

from typing import Protocol

from babel import Locale
from babel.numbers import format_currency, format_percent

from app.i18n import N_
from app.schemes import Amounts, FixedPer, FixedSum


class Translator(Protocol):
    """The part of a Babel catalogue used here (flask_babel.get_translations() is one)."""

    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, num: int) -> str: ...


# A one-line summary names this many fixed sums; the scheme page lists them all.
LINE_FIXED_SUMS = 2

# One phrase per unit, so each language can place the amount where it belongs.
PER_PHRASES: dict[FixedPer, str] = {
    "project": N_("%(amount)s per project"),
    "day": N_("%(amount)s per day"),
    "month": N_("%(amount)s per month"),
    "year": N_("%(amount)s per year"),
    "trip": N_("%(amount)s per trip"),
    "person": N_("%(amount)s per person"),
}


def euros(value: int, locale: Locale | str) -> str:
    """Whole euros in the locale's convention: 50 000 € in French, €50,000 in English."""
    # The locale's own currency pattern, without cents: amounts of aid are whole euros.
    pattern = Locale.parse(locale).currency_formats["standard"].pattern.replace(".00", "")
    return str(format_currency(value, "EUR", format=pattern, locale=locale, currency_digits=False))


def percent(value: float, locale: Locale | str) -> str:
    """A rate such as 50 % (French) or 50% (English)."""
    return str(format_percent(value / 100, format="#,##0.#%", locale=locale))


def fixed_sum(item: FixedSum, locale: Locale | str, t: Translator) -> str:
    """A fixed sum in words: "Travel: €400 per trip" / "Voyage : 400 € par voyage"."""
    language = Locale.parse(locale).language
    text = t.gettext(PER_PHRASES[item.per]) % {"amount": euros(item.eur, locale)}
    if item.label is None:
        return text
    return t.gettext("%(label)s: %(sum)s") % {"label": item.label.get(language), "sum": text}


def amounts_line(amounts: Amounts | None, locale: Locale | str, t: Translator) -> str:
    """The amount in one line, as cards and lists show it; "Amount not published" without one."""
    if amounts is None or not amounts.has_figure():
        return t.gettext("Amount not published")
    low, high = amounts.min_eur, amounts.max_eur
    parts = []
    if low is not None and high is not None:
        parts.append(
            t.gettext("From %(low)s to %(high)s")
            % {"low": euros(low, locale), "high": euros(high, locale)}
        )
    elif high is not None:
        parts.append(t.gettext("Up to %(high)s") % {"high": euros(high, locale)})
    elif low is not None:
        parts.append(t.gettext("From %(low)s") % {"low": euros(low, locale)})
    if amounts.max_rate_percent is not None:
        rate = percent(amounts.max_rate_percent, locale)
        parts.append(t.gettext("at most %(rate)s of eligible costs") % {"rate": rate})
    head = ", ".join(parts)
    sums = [fixed_sum(item, locale, t) for item in amounts.fixed[:LINE_FIXED_SUMS]]
    more = len(amounts.fixed) - LINE_FIXED_SUMS
    if more > 0:
        sums.append(
            t.ngettext("and %(num)d other sum", "and %(num)d other sums", more) % {"num": more}
        )
    line = ""
    for part in (head, *sums):
        # The separator is a message: French puts a space before the semicolon.
        line = t.gettext("%(first)s; %(next)s") % {"first": line, "next": part} if line else part
    return line
