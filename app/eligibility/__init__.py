"""Eligibility: rules in scheme files, three-valued evaluation, and the next question to ask."""
