"""Translatable labels of the catalogue's fixed values (kinds, statuses, source kinds, units)."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

KIND_LABELS: dict[str, LazyString] = {
    "grant": _l("Grant"),
    "loan": _l("Loan"),
    "residency": _l("Residency"),
    "call_for_projects": _l("Call for projects"),
    "contest": _l("Contest"),
    "tax_credit": _l("Tax credit"),
    "resource": _l("Resource"),
    "offer_channel": _l("Channel for cultural offers"),
}

LIFECYCLE_LABELS: dict[str, LazyString] = {
    "open": _l("Open"),
    "recurring": _l("Recurring sessions"),
    "upcoming": _l("Upcoming"),
    "closed": _l("Closed"),
    "replaced": _l("Replaced"),
    "unconfirmed": _l("Status unconfirmed"),
}

SOURCE_KIND_LABELS: dict[str, LazyString] = {
    "official": _l("Official page"),
    "legal": _l("Legal text"),
    "press": _l("Press article"),
    "aggregator": _l("Aid directory"),
}

# What a fixed sum is paid for (the `per` of a fixed sum in a scheme file).
FIXED_PER_LABELS: dict[str, LazyString] = {
    "project": _l("Per project (lump sum)"),
    "day": _l("Per day"),
    "month": _l("Per month"),
    "year": _l("Per year"),
    "trip": _l("Per trip"),
    "person": _l("Per person"),
}

VERDICT_GROUP_TITLES: dict[str, LazyString] = {
    "eligible": _l("Eligible"),
    "unknown": _l("To verify"),
    "ineligible": _l("Not eligible"),
}

VERIFY_LABELS: dict[str, LazyString] = {
    "applicant": _l("For you to check:"),
    "funder": _l("Checked by the funder:"),
}

VERIFY_NOTES: dict[str, LazyString] = {
    "applicant": _l("you check this yourself"),
    "funder": _l("the funder checks this"),
}

# A revision's state (models.SchemeRevision.state), as the admin and the draft preview name it.
REVISION_STATE_LABELS: dict[str, LazyString] = {
    "draft": _l("draft"),
    "review": _l("waiting for review"),
    "published": _l("published"),
}

# The language a visitor wrote in, inside a sentence ("received on …, in French").
IN_LANGUAGE: dict[str, LazyString] = {"fr": _l("in French"), "en": _l("in English")}

ROLE_LABELS: dict[str, LazyString] = {
    "editor": _l("editor"),
    "admin": _l("administrator"),
}

ACCOUNT_REFUSALS: dict[str, LazyString] = {
    "email": _l("Enter a valid email address."),
    "role": _l("Choose a role from the list."),
    "duplicate": _l("An account with this email already exists."),
    "too_short": _l("The password needs at least 12 characters."),
    "guessable": _l("This password is too common or too easy to guess: choose a longer one."),
    "self": _l("You cannot disable your own account."),
    "last_admin": _l("The last administrator cannot be disabled or lose the role."),
}
