"""E-mail alerts on the site: "notify me" forms, double opt-in, one-click unsubscribe, renewal."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.message import EmailMessage

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField
from wtforms.validators import AnyOf, InputRequired, Length

from app import alerts
from app.alerts import DueMail, Purpose
from app.config import Settings
from app.mail import MailError, SmtpServer, build_message, send
from app.models import AlertSubscription
from app.web.core.choices import SelectChoice
from app.web.core.database import db_session
from app.web.core.locale import current_language
from app.web.core.public_url import external_url
from app.web.core.questionnaire_forms import email_address_field
from app.web.core.rate_limits import limiter

log = logging.getLogger(__name__)
blueprint = Blueprint("alerts", __name__)
FREQUENCY_LABELS = {"weekly": _l("Every week"), "monthly": _l("Every month")}


class NotifyForm(FlaskForm):
    """An address and how often; what to follow comes from the page it is on."""

    email = email_address_field()
    frequency = RadioField(
        _l("How often"),
        choices=[SelectChoice(value, label) for value, label in FREQUENCY_LABELS.items()],
        default="weekly",
        validators=[InputRequired(_l("Choose how often."))],
    )
    reminders = BooleanField(_l("Also remind me 14 and 3 days before each deadline"), default=True)
    kind = HiddenField(validators=[AnyOf(["search", "profile"])])
    query = HiddenField(validators=[Length(max=4000)])


def notify_form_for(kind: str, query: str) -> NotifyForm:
    """A fresh "notify me" form following this search or profile."""
    return NotifyForm(formdata=None, kind=kind, query=query)


@blueprint.app_context_processor
def _mail_enabled() -> dict[str, object]:
    return {"mail_enabled": current_app.extensions["aides.settings"].smtp_url is not None}


def _now() -> datetime:
    return datetime.now(UTC)


def _settings() -> Settings:
    settings: Settings = current_app.extensions["aides.settings"]
    return settings


def _link(endpoint: str, subscription: AlertSubscription, purpose: Purpose) -> str:
    # Mail links use the configured public address, never the Host of whoever asked.
    token = alerts.make_token(_settings().secret_key, subscription, purpose)
    return external_url(endpoint, lang=subscription.lang, token=token)


def render_mail(subscription: AlertSubscription, mail: DueMail | None) -> EmailMessage:
    """A confirmation (mail None), digest, reminder or renewal mail, in the subscriber's language.

    Every mail but the confirmation carries RFC 8058 one-click unsubscription headers.
    """
    with force_locale(subscription.lang):
        unsubscribe = _link("alerts.unsubscribe", subscription, "unsubscribe")
        context = {
            "lang": subscription.lang,
            "subscription": subscription,
            "mail": mail,
            "unsubscribe_url": unsubscribe,
            "renew_url": _link("alerts.renew", subscription, "renew"),
            "confirm_url": _link("alerts.confirm", subscription, "confirm"),
            "frequency": FREQUENCY_LABELS[subscription.frequency],
        }
        kind = mail.kind if mail else "confirm"
        subjects = {
            "confirm": _("Confirm your alert"),
            "digest": _("New and changed schemes for your alert"),
            "reminder": _("A deadline is coming"),
            "renewal": _("Keep your alert?"),
        }
        headers = {}
        if mail is not None:
            headers = {
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                # Which alert and which mail: enough to trace a complaint, nothing personal.
                "X-Aides-Alert": f"{subscription.id}:{mail.key}",
            }
        return build_message(
            sender=_settings().mail_from,
            to=subscription.email,
            subject=subjects[kind],
            text=render_template(f"mail/alert_{kind}.txt", **context),
            html=render_template(f"mail/alert_{kind}.html", **context),
            headers=headers,
        )


@blueprint.route("/alerts/", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def subscribe() -> tuple[str, int] | str:
    """GET: the form for the search or profile given; POST: create an unconfirmed alert and mail
    its confirmation link. The answer never says whether the address was known."""
    settings = _settings()
    if settings.smtp_url is None:
        abort(404)
    if request.method == "GET":
        form = notify_form_for(request.args.get("kind", "search"), request.args.get("query", ""))
        if not (form.kind.validate(form) and form.query.validate(form)):
            abort(400)
        return render_template("alerts/subscribe.html", form=form)
    form = NotifyForm()
    if not form.validate_on_submit():
        return render_template("alerts/subscribe.html", form=form), 400
    session = db_session()
    # Both are validated (a required e-mail address, one of the two kinds): narrowed for types.
    kind: alerts.Kind = "profile" if form.kind.data == "profile" else "search"
    subscription = alerts.subscribe(
        session,
        email=(form.email.data or "").strip().lower(),
        lang=current_language(),
        kind=kind,
        query=form.query.data or "",
        frequency=form.frequency.data,
        reminders=bool(form.reminders.data),
        now=_now(),
    )
    try:
        send(SmtpServer.from_url(settings.smtp_url), render_mail(subscription, None))
    except (MailError, ValueError) as error:
        log.warning("Alert confirmation not sent: %s", error)
        return render_template("alerts/message.html", state="mail_failed"), 503
    return render_template("alerts/message.html", state="check_mailbox")


def _subscription(token: str, purpose: Purpose) -> AlertSubscription:
    subscription = alerts.read_token(db_session(), _settings().secret_key, token, purpose)
    if subscription is None:
        abort(404)
    return subscription


@blueprint.route("/alerts/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> str:
    """A button to confirm (mail scanners follow links, they do not submit forms)."""
    subscription = _subscription(token, "confirm")
    if request.method == "GET":
        return render_template("alerts/action.html", action="confirm", form=FlaskForm())
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    alerts.confirm(db_session(), subscription, _now())
    return render_template(
        "alerts/message.html",
        state="confirmed",
        unsubscribe_url=_link("alerts.unsubscribe", subscription, "unsubscribe"),
    )


@blueprint.route("/alerts/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> str:
    """GET: a button; POST (also RFC 8058 one-click from the mail client): erase the address
    and every alert it had."""
    subscription = _subscription(token, "unsubscribe")
    if request.method == "GET":
        return render_template("alerts/action.html", action="unsubscribe")
    alerts.erase_address(db_session(), subscription.email)
    return render_template("alerts/message.html", state="unsubscribed")


@blueprint.route("/alerts/renew/<token>", methods=["GET", "POST"])
def renew(token: str) -> str:
    """Keep the alert another 12 months."""
    subscription = _subscription(token, "renew")
    if request.method == "GET":
        return render_template("alerts/action.html", action="renew", form=FlaskForm())
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    alerts.renew(db_session(), subscription, _now())
    return render_template("alerts/message.html", state="renewed")
