"""Locale-aware formatting for templates and JSON: amounts, percentages and dates, through Babel."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_babel import format_currency, format_date, format_datetime, format_percent, get_locale


def amount(value: int) -> str:
    """Whole euros in the reader's convention: 50 000 € in French, €50,000 in English."""
    # The locale's own currency pattern, without cents: amounts of aid are whole euros.
    locale = get_locale()
    pattern = locale.currency_formats["standard"].pattern.replace(".00", "") if locale else None
    return str(format_currency(value, "EUR", format=pattern, currency_digits=False))


def percent(value: float) -> str:
    """A rate such as 50 % (French) or 50% (English)."""
    return str(format_percent(value / 100, format="#,##0.#%"))


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
    app.add_template_filter(long_date)
    app.add_template_filter(partial_date)
    app.add_template_filter(month_year)
    app.add_template_filter(datetime_utc)
