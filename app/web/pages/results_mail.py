"""Send one's questionnaire results to oneself by e-mail, with the link that reproduces them."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, render_template
from flask_babel import ngettext

from app.mail import MailError, SmtpServer, build_message, send
from app.web.core.explanations import explanation
from app.web.core.questionnaire_forms import MailResultsForm
from app.web.core.rate_limits import limiter
from app.web.pages.questionnaire import State, load_state, render_results, results_url

log = logging.getLogger(__name__)
blueprint = Blueprint("results_mail", __name__)


def _message_parts(state: State) -> dict[str, object]:
    active = [v for v in state.verdicts if v.scheme.is_active()]
    return {
        "eligible": [v for v in active if v.status == "eligible"],
        "unknown": [v for v in active if v.status == "unknown"],
        "url": results_url(state),
        "explanation": explanation,
        "answers": state.answers,
    }


@blueprint.post("/results/email")
@limiter.limit("5 per hour")
def email_results() -> tuple[str, int] | str:
    """Mail the results page's content and address to the address given; nothing is stored."""
    settings = current_app.extensions["aides.settings"]
    loaded = load_state()
    if not isinstance(loaded, State):
        return loaded
    form = MailResultsForm()
    if settings.smtp_url is None:
        return render_template("questionnaire/mail_sent.html", failed=True), 404
    if not form.validate_on_submit():
        return render_results(loaded, form), 400
    parts = _message_parts(loaded)
    count = len(parts["eligible"])  # type: ignore[arg-type]
    message = build_message(
        sender=settings.mail_from,
        to=form.email.data or "",
        subject=ngettext(
            "Your results: %(num)d scheme fits", "Your results: %(num)d schemes fit", count
        ),
        text=render_template("mail/results.txt", **parts),
        html=render_template("mail/results.html", **parts),
    )
    try:
        send(SmtpServer.from_url(settings.smtp_url), message)
    except (MailError, ValueError) as error:
        # The address is not logged: it is personal data and the failure is the server's.
        log.warning("Results mail not sent: %s", error)
        return render_template("questionnaire/mail_sent.html", failed=True, url=parts["url"]), 503
    return render_template("questionnaire/mail_sent.html", failed=False, url=parts["url"])
