""" "Report an error or a change" on every scheme page: no account, a honeypot, a rate limit."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField, URLField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from app import suggestions
from app.repository import get_scheme
from app.web.core.database import db_session
from app.web.core.locale import current_language
from app.web.core.questionnaire_forms import email_address_field
from app.web.core.rate_limits import limiter

blueprint = Blueprint("suggestions", __name__)


class SuggestionForm(FlaskForm):
    """What is wrong or new, where it is said, and (optionally) how to reach the sender."""

    message = TextAreaField(
        _l("What is wrong or has changed?"),
        validators=[
            InputRequired(_l("Describe the error or the change.")),
            Length(max=4000, message=_l("At most 4,000 characters.")),
        ],
    )
    source_url = URLField(
        _l("Where is it said? (address of the official page, optional)"),
        validators=[
            Optional(),
            Length(max=500, message=_l("At most 500 characters.")),
            Regexp(r"^https?://\S+$", message=_l("Enter a web address starting with https://.")),
        ],
    )
    email = email_address_field(
        _l("Your e-mail address, if we may ask you a question (optional)"), required=False
    )
    # Left empty by people (hidden from them and from screen readers); filled by most bots.
    website = StringField(_l("Leave this field empty"))


@blueprint.route("/aides/<scheme_id>/suggestion", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def suggest(scheme_id: str) -> tuple[str, int] | str:
    """The form (on its own page, so that scheme pages carry no session and can be cached);
    keep the suggestion for the editors; a bot that fills the honeypot is thanked, not kept."""
    scheme = get_scheme(db_session(), scheme_id)
    if scheme is None:
        abort(404)
    if request.method == "GET":
        return render_template("public/suggestion.html", scheme=scheme, form=SuggestionForm())
    form = SuggestionForm()
    if not form.validate_on_submit():
        return render_template("public/suggestion.html", scheme=scheme, form=form), 400
    if not form.website.data:
        suggestions.receive(
            db_session(),
            scheme_id=scheme.id,
            message=(form.message.data or "").strip(),
            source_url=(form.source_url.data or "").strip(),
            email=(form.email.data or "").strip().lower(),
            lang=current_language(),
            now=datetime.now(UTC),
        )
    page = url_for("public.scheme_detail", scheme_id=scheme.id)
    return render_template("public/suggestion.html", scheme=scheme, form=None, page=page)
