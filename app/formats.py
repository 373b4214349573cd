"""The text formats of scheme fields (identifiers, web addresses, partial dates) as patterns."""

from __future__ import annotations

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
URL_PATTERN = r"^https?://\S+$"
# A date as precise as the source gives it: 2022, 2022-07 or 2022-07-01.
PARTIAL_DATE_PATTERN = r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$"
