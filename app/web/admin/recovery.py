"""Second-factor recovery: one's own new recovery codes (after the password or a TOTP code), and
an administrator resetting another user's second factor (after their own password)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app import accounts, recovery_codes
from app.models import User
from app.web.admin.access import require_role, signed_in_user
from app.web.admin.forms import ConfirmForm, NewRecoveryCodesForm, PasswordChangeForm
from app.web.core.database import db_session
from app.web.core.rate_limits import limiter
from app.web.core.responses import ViewResult

blueprint = Blueprint("admin_recovery", __name__)
# The account page has two forms: field ids (and names) of this one start with "codes-".
CODES_PREFIX = "codes"


def _me() -> User:
    user = signed_in_user()
    if user is None:  # require_role guarantees a user; this narrows the type
        abort(403)
    return user


def account_page(
    user: User,
    password_form: FlaskForm | None = None,
    codes_form: FlaskForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The account page: the password change and, for a second factor, its recovery codes."""
    return render_template(
        "admin/account.html",
        form=password_form or PasswordChangeForm(formdata=None),
        codes_form=codes_form or NewRecoveryCodesForm(formdata=None, prefix=CODES_PREFIX),
        codes_left=recovery_codes.remaining_recovery_codes(db_session(), user),
    ), status


def _refused(response: Response) -> bool:
    return response.status_code >= 400


@blueprint.post("/account/recovery-codes")
@require_role("admin")
@limiter.limit("10 per minute", methods=["POST"], deduct_when=_refused)
def new_codes() -> ViewResult:
    """New recovery codes replace the old ones, shown once; proved by the password or a code
    from the authenticator (a stolen session alone cannot take them)."""
    user = _me()
    form = NewRecoveryCodesForm(prefix=CODES_PREFIX)
    if not form.validate_on_submit():
        return account_page(user, codes_form=form, status=400)
    try:
        codes = recovery_codes.replace_codes(
            db_session(),
            user,
            password=form.password.data or "",
            code=form.code.data or "",
            address=request.remote_addr,
        )
    except accounts.AccountError:
        form.password.errors = [
            _("Enter your current password or a valid code from your authenticator app.")
        ]
        return account_page(user, codes_form=form, status=400)
    return render_template(
        "admin/recovery_codes.html", codes=codes, next=url_for("admin.account")
    ), 200


@blueprint.post("/users/<int(min=1, max=2147483647):user_id>/second-factor/reset")
@require_role("admin")
@limiter.limit("10 per minute", methods=["POST"])
def reset_second_factor(user_id: int) -> Response:
    """Another user enrols again at the next sign-in (lost phone and codes); audited."""
    admin = _me()
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        user = recovery_codes.reset_another_user(
            db_session(), admin, form.password.data or "", user_id, request.remote_addr
        )
    except accounts.AccountError as error:
        if error.reason == "missing":
            abort(404)
        if error.reason == "self":
            flash(
                _(
                    "Another administrator must reset your own second factor; you can make new "
                    "recovery codes from your account page."
                ),
                "error",
            )
        else:
            flash(_("Your password was not confirmed; the second factor is unchanged."), "error")
        return redirect(url_for("admin.users"))
    flash(
        _(
            "%(email)s will set up an authenticator app again at the next sign-in.",
            email=user.email,
        ),
        "success",
    )
    return redirect(url_for("admin.users"))
