"""The JSON API under /api/v1/: schemes, eligibility, its OpenAPI document, open data."""
