"""What a view may return, named once for the type hints of views that render or redirect."""

from __future__ import annotations

from werkzeug.wrappers import Response

# Werkzeug's Response: what redirect() returns, and the base of Flask's.
ViewResult = str | Response | tuple[str, int]
