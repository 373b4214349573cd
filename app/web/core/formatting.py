"""Locale-aware formatting for templates and JSON: amounts, percentages and dates, through Babel."""

from __future__ import annotations

from datetime import date, datetime

from babel import Locale
from flask import Flask
from flask_babel import format_date, format_datetime, get_locale, get_translations

from app import money
from app.schemes import Amounts, FixedSum


def _locale() -> Locale:
    return get_locale() or Locale.parse("fr")


def amount(value: int) -> str:
    """Whole euros in the reader's convention: 50 000 € in French, €50,000 in English."""
    return money.euros(value, _locale())


def percent(value: float) -> str:
    """A rate such as 50 % (French) or 50% (English)."""
    return money.percent(value, _locale())


def fixed_sum(item: FixedSum) -> str:
    """A fixed sum in the reader's language: "€85 per day", "Voyage : 400 € par trajet"."""
    return money.fixed_sum(item, _locale(), get_translations())


def amounts_line(amounts: Amounts | None) -> str:
    """The amount in one line (cards, results, API lists), in the reader's language."""
    return money.amounts_line(amounts, _locale(), get_translations())


def long_date(value: date) -> str:
    """A full date: 15 mars 2026 / March 15, 2026."""
    return str(format_date(value, format="long"))


def month_year(value: date) -> str:
    """A month: décembre 2026 / December 2026."""
    return str(format_date(value, format="LLLL y"))


def partial_date(value: str) -> str:
    """A date as precise as its source: 2022, juillet 2022 / July 2022, or a full date."""
    parts = [int(part) for part in value.split("-")]
    if len(parts) == 1:
        return str(parts[0])
    if len(parts) == 2:
        return month_year(date(parts[0], parts[1], 1))
    return long_date(date(parts[0], parts[1], parts[2]))


def datetime_utc(value: datetime) -> str:
    """A moment in UTC, formatted for the reader's language."""
    return str(format_datetime(value, format="medium", rebase=False)) + " UTC"


def init_app(app: Flask) -> None:
    """Expose the formatters to templates."""
    app.add_template_filter(amount)
    app.add_template_filter(percent)
    app.add_template_filter(fixed_sum)
    app.add_template_filter(amounts_line)
    app.add_template_filter(long_date)
    app.add_template_filter(partial_date)
    app.add_template_filter(month_year)
    app.add_template_filter(datetime_utc)
