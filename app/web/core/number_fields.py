"""Integer and decimal form fields that refuse, before any validator runs, what no sane answer
holds: NaN, sNaN and infinities, and numbers beyond MAX_MAGNITUDE. WTForms' own fields accept
them and NumberRange then fails with an OverflowError or a signalling-NaN error (a 500)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField

from app.eligibility.answers import MAX_MAGNITUDE

TOO_LARGE = _l("This number is too large.")
NOT_A_NUMBER = _l("Enter a number.")
# Characters of a number as typed; anything longer is refused without parsing it.
MAX_NUMBER_INPUT = 40


def _too_long(valuelist: list[Any]) -> bool:
    return bool(valuelist) and len(str(valuelist[0])) > MAX_NUMBER_INPUT


class BoundedIntegerField(IntegerField):
    """A whole number of at most MAX_MAGNITUDE in absolute value."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if _too_long(valuelist):
            self.data = None
            raise ValueError(str(TOO_LARGE))
        super().process_formdata(valuelist)
        if self.data is not None and abs(self.data) > MAX_MAGNITUDE:
            self.data = None
            raise ValueError(str(TOO_LARGE))


class BoundedDecimalField(DecimalField):
    """A finite decimal number of at most MAX_MAGNITUDE in absolute value."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if _too_long(valuelist):
            self.data = None
            raise ValueError(str(TOO_LARGE))
        super().process_formdata(valuelist)
        if isinstance(self.data, Decimal) and not self.data.is_finite():
            self.data = None
            raise ValueError(str(NOT_A_NUMBER))
        if self.data is not None and abs(self.data) > MAX_MAGNITUDE:
            self.data = None
            raise ValueError(str(TOO_LARGE))
