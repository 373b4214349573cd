"""Public pages under /fr/ and /en/: the list, scheme pages, questionnaire, calendar, alerts."""
