"""Signing in (password, then a TOTP code or a recovery code for administrators) and out."""

from __future__ import annotations

from urllib.parse import urlsplit

import segno
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from app import accounts, sign_in
from app.models import User
from app.web.admin.access import signed_in_user, start_session
from app.web.admin.forms import CodeForm, EmptyForm, LoginForm, RecoveryCodeForm
from app.web.core.database import db_session
from app.web.core.rate_limits import limiter
from app.web.core.responses import ViewResult

blueprint = Blueprint("admin_auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect, never a header injection (CR/LF or
    any other control character would end up in the Location header)."""
    if not target:
        return url_for("admin.dashboard")
    local = target.startswith("/") and not target.startswith("//")
    printable = target.isprintable() and len(target) <= 2000
    if local and printable and not urlsplit(target).netloc and "\\" not in target:
        return target
    return url_for("admin.dashboard")


def _login_key() -> str:
    # The account *from this address*: an address that keeps failing on an account is stopped,
    # but nobody can lock an account out for its owner by failing from elsewhere; guesses
    # spread over many addresses still meet each address's own limit.
    email = accounts.normalise_email(request.form.get("email", ""))[:254] or "-"
    return f"{email}|{request.remote_addr}"


def _failed(response: Response) -> bool:
    """Only refused attempts count against the limits."""
    return response.status_code != 302


@blueprint.after_app_request
def _no_store_admin_pages(response: Response) -> Response:
    """Admin pages show accounts, drafts and secrets: no browser or proxy may keep a copy."""
    if request.path.split("/")[2:3] == ["admin"]:
        response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute;50 per hour", methods=["POST"], deduct_when=_failed)
@limiter.limit(
    "5 per minute;20 per hour", key_func=_login_key, methods=["POST"], deduct_when=_failed
)
def login() -> ViewResult:
    """Email and password; administrators then give a TOTP code."""
    form = LoginForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("admin/login.html", form=form), status
    user = sign_in.check_password(
        db_session(), form.email.data or "", form.password.data or "", request.remote_addr
    )
    if user is None:
        form.password.errors = [_("Wrong email or password.")]
        return render_template("admin/login.html", form=form), 401
    start_session(user, second_factor_done=False)
    session["next"] = _safe_next(request.args.get("next"))
    if user.role == "admin":
        return redirect(url_for("admin_auth.second_factor"))
    return _signed_in(user)


def _signed_in(user: User) -> Response:
    sign_in.signed_in(db_session(), user, request.remote_addr)
    return redirect(session.pop("next", None) or url_for("admin.dashboard"))


def _admin_awaiting_code() -> User | Response:
    """The administrator between the password and the second factor, or where to go instead."""
    user = signed_in_user(require_second_factor=False)
    if user is None:
        return redirect(url_for("admin_auth.login"))
    if user.role != "admin" or session.get("second_factor"):
        return redirect(url_for("admin.dashboard"))
    return user


# One budget for both ways of passing the second factor: recovery codes add no guesses.
_second_factor_limit = limiter.shared_limit(
    "10 per minute", scope="second-factor", methods=["POST"], deduct_when=_failed
)


@blueprint.route("/second-factor", methods=["GET", "POST"])
@_second_factor_limit
def second_factor() -> ViewResult:
    """The TOTP code of an administrator; the first time, the secret to enrol is shown, and
    once it is confirmed, the recovery codes (this one time)."""
    user = _admin_awaiting_code()
    if not isinstance(user, User):
        return user
    enrolling = user.totp_secret is None
    db = db_session()
    # Kept on the server until confirmed or expired: the cookie is signed, not secret.
    secret = sign_in.enrolment_secret(db, user) if enrolling else user.totp_secret or ""
    form = CodeForm()
    if form.validate_on_submit():
        code = form.code.data or ""
        if enrolling:
            codes = sign_in.confirm_enrolment(db, user, code, request.remote_addr)
            if codes is not None:
                session["second_factor"] = True
                return render_template(
                    "admin/recovery_codes.html",
                    codes=codes,
                    next=session.pop("next", None) or url_for("admin.dashboard"),
                )
        elif sign_in.second_factor(db, user, code, request.remote_addr):
            session["second_factor"] = True
            return redirect(session.pop("next", None) or url_for("admin.dashboard"))
        form.code.errors = [_("This code is not valid. Check your device's clock and try again.")]
    uri = accounts.totp_uri(user, secret) if enrolling else None
    qr = segno.make(uri).svg_data_uri(scale=4) if uri else None
    status = 401 if form.code.errors else 200
    return render_template(
        "admin/second_factor.html", form=form, enrolling=enrolling, secret=secret, qr=qr
    ), status


@blueprint.route("/second-factor/recovery", methods=["GET", "POST"])
@_second_factor_limit
def recovery() -> ViewResult:
    """A recovery code instead of the authenticator's code: each code works once."""
    user = _admin_awaiting_code()
    if not isinstance(user, User):
        return user
    if user.totp_secret is None:  # nothing enrolled yet, so no codes: enrol first
        return redirect(url_for("admin_auth.second_factor"))
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        left = sign_in.recovery_code(db_session(), user, form.code.data or "", request.remote_addr)
        if left is not None:
            session["second_factor"] = True
            flash(
                ngettext(
                    "You signed in with a recovery code. %(num)d code is left: "
                    "make new ones from your account page.",
                    "You signed in with a recovery code. %(num)d codes are left: "
                    "make new ones from your account page.",
                    left,
                ),
                "warning",
            )
            return redirect(session.pop("next", None) or url_for("admin.dashboard"))
        form.code.errors = [_("This recovery code is not valid or was already used.")]
    elif request.method == "POST":
        form.code.errors = form.code.errors or [_("Enter one of your recovery codes.")]
    status = 401 if form.code.errors else 200
    return render_template("admin/recovery.html", form=form), status


@blueprint.post("/logout")
def logout() -> Response:
    """End the session here and on every device: the server stops accepting the old cookie."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = signed_in_user(require_second_factor=False)
    if user is not None:
        sign_in.sign_out(db_session(), user, request.remote_addr)
    session.clear()
    return redirect(url_for("public.home"))
