"""Eligibility above the scheme format: rules evaluated in three values, verdicts, next question."""
