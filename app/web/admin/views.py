"""Admin pages: the scheme dashboard, revisions with diffs, publishing, rollback, export, users
and the audit log. Editors edit and submit drafts; administrators publish, roll back and manage
users."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from threading import Thread

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from app import accounts, audit, suggestions
from app.catalogue_export import export_archive
from app.deadlines import today_in_paris
from app.editing import (
    EditError,
    latest_revision,
    publish,
    publish_problems,
    revisions,
    rollback,
    send_back,
    submit_for_review,
)
from app.models import User
from app.schemes import Scheme
from app.web.admin.access import require_role, signed_in_user
from app.web.admin.dashboard import (
    DASHBOARD_PAGE_SIZE,
    DASHBOARD_SHOWS,
    DASHBOARD_SORTS,
    DashboardCache,
    filter_rows,
)
from app.web.admin.forms import (
    CommentForm,
    EmptyForm,
    PasswordChangeForm,
    RoleForm,
    UserForm,
)
from app.web.admin.readable_diff import readable_changes
from app.web.admin.recovery import account_page
from app.web.core.catalogue_cache import current_catalogue
from app.web.core.database import db_session, discard_session
from app.web.core.labels import ACCOUNT_REFUSALS, ROLE_LABELS
from app.web.core.locale import current_language
from app.web.core.paging import paged
from app.web.core.reason_text import problem_text, say
from app.web.core.reference import vocabulary
from app.web.core.responses import ViewResult
from app.web.core.scheme_page import scheme_page
from app.web.core.search_service import refresh_after_publish

# Ids in URLs are PostgreSQL integers: a larger number is a 404 at routing, before any query
# (PostgreSQL would refuse it with an error, a 500).
DB_ID = "int(min=1, max=2147483647)"
blueprint = Blueprint("admin", __name__)
log = logging.getLogger(__name__)
DASHBOARD_CACHE = "aides.dashboard"


@blueprint.record_once
def _keep_dashboard_rows(state: BlueprintSetupState) -> None:
    """One cache of the dashboard's rows per application (each worker has its own), read in
    the background from the start when the settings say so (dashboard_warm_up)."""
    app = state.app
    app.extensions[DASHBOARD_CACHE] = DashboardCache()
    if app.extensions["aides.settings"].dashboard_warm_up:
        Thread(
            target=_read_dashboard_rows, args=(app,), name="dashboard-warm-up", daemon=True
        ).start()


def _read_dashboard_rows(app: Flask) -> None:
    """Read every record's dashboard row into the application's cache, as a first view would."""
    with app.app_context():
        try:
            cache: DashboardCache = app.extensions[DASHBOARD_CACHE]
            cache.rows(db_session(), current_catalogue(), today_in_paris())
        except Exception:  # the database is away: the first view reads them instead
            log.warning("The admin dashboard's rows could not be read ahead", exc_info=True)
        finally:
            discard_session()


DASHBOARD_SUGGESTIONS = 5  # the newest waiting ones; the Suggestions page lists them all
REVISIONS_PAGE_SIZE = 10  # revisions per page of a scheme's history


def _actor() -> str:
    user = signed_in_user()
    return user.email if user else "-"


@blueprint.get("/")
@require_role("editor", "admin")
def dashboard() -> str:
    """Every scheme with its state and the age of its evidence; search, filter, sort and page."""
    words = (request.args.get("q") or "")[:200]
    funder = request.args.get("funder") or ""
    show = request.args.get("show", "all")
    show = show if show in DASHBOARD_SHOWS else "all"
    sort = request.args.get("sort", "stale")
    sort = sort if sort in DASHBOARD_SORTS else "stale"
    cache: DashboardCache = current_app.extensions[DASHBOARD_CACHE]
    rows = cache.rows(db_session(), current_catalogue(), today_in_paris())
    waiting = suggestions.waiting(db_session())
    # Filtering keeps the order: the sorted rows are kept between views, and filtered.
    shown = filter_rows(rows.sorted(sort, current_language()), words, funder, show)
    return render_template(
        "admin/dashboard.html",
        rows=paged(shown, "page", DASHBOARD_PAGE_SIZE),
        total=len(rows.rows),
        current=rows.current,
        waiting_review=rows.in_review,
        stale_count=rows.stale,
        suggestions_waiting=len(waiting),
        newest_suggestions=waiting[::-1][:DASHBOARD_SUGGESTIONS],
        funders=rows.funders,
        filters={"q": words, "funder": funder, "show": show, "sort": sort},
    )


@blueprint.get("/schemes/<scheme_id>/revisions")
@require_role("editor", "admin")
def scheme_revisions(scheme_id: str) -> str:
    """Who changed what and when, each revision with its readable diff, newest first, a page
    at a time: each diff names its fields through the editor's form of both revisions."""
    history = revisions(db_session(), scheme_id)
    if not history:
        abort(404)
    pairs = list(zip(history, [*history[1:], None], strict=True))
    shown = paged(pairs, "page", REVISIONS_PAGE_SIZE)
    changes = [
        (row, readable_changes(older.document if older else None, row.document))
        for row, older in shown.items
    ]
    return render_template(
        "admin/revisions.html",
        scheme_id=scheme_id,
        latest=history[0],
        changes=changes,
        shown=shown,
        form=CommentForm(),
        problems=publish_problems(db_session(), scheme_id, vocabulary()),
    )


def _refused(error: EditError, scheme_id: str) -> Response:
    flash(say(error.reason), "error")
    for problem in error.problems:
        flash(f"{problem.field}: {problem_text(problem)}", "error")
    return redirect(url_for("admin.scheme_revisions", scheme_id=scheme_id))


@blueprint.get("/schemes/<scheme_id>/draft")
@require_role("editor", "admin")
def draft_preview(scheme_id: str) -> str:
    """The latest revision (a draft, typically) as the public page would show it."""
    db = db_session()
    latest = latest_revision(db, scheme_id)
    if latest is None:
        abort(404)
    scheme = Scheme.model_validate(latest.document)
    return render_template("public/scheme.html", draft=latest, **scheme_page(db, scheme))


def _publish_and_redirect(
    scheme_id: str, action: Callable[..., object], done: str, *args: int
) -> Response:
    """Publish (or republish) through the editing service; refusals come back as messages."""
    form = CommentForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        action(
            db_session(),
            scheme_id,
            *args,
            author=_actor(),
            comment=form.comment.data or "",
            vocabulary=vocabulary(),
            after_commit=refresh_after_publish,
        )
    except EditError as error:
        return _refused(error, scheme_id)
    flash(done, "success")
    return redirect(url_for("admin.scheme_revisions", scheme_id=scheme_id))


@blueprint.post("/schemes/<scheme_id>/publish")
@require_role("admin")
def publish_scheme(scheme_id: str) -> Response:
    """Publish the latest draft; refused while one of its examples fails."""
    return _publish_and_redirect(scheme_id, publish, _("Published."))


def _review_step(scheme_id: str, step: Callable[..., None], done: str) -> Response:
    form = CommentForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        step(db_session(), scheme_id, author=_actor(), comment=form.comment.data or "")
    except EditError as error:
        return _refused(error, scheme_id)
    flash(done, "success")
    return redirect(url_for("admin.scheme_revisions", scheme_id=scheme_id))


@blueprint.post("/schemes/<scheme_id>/submit")
@require_role("editor", "admin")
def submit_scheme(scheme_id: str) -> Response:
    """Hand the latest draft to the administrators for review."""
    return _review_step(scheme_id, submit_for_review, _("Submitted for review."))


@blueprint.post("/schemes/<scheme_id>/send-back")
@require_role("admin")
def send_back_scheme(scheme_id: str) -> Response:
    """Return a draft under review to the editors, with a note."""
    return _review_step(scheme_id, send_back, _("Sent back to the editors."))


@blueprint.post(f"/schemes/<scheme_id>/rollback/<{DB_ID}:number>")
@require_role("admin")
def rollback_scheme(scheme_id: str, number: int) -> Response:
    """Publish an earlier revision again, as a new revision."""
    done = _("Revision %(number)d is published again.", number=number)
    return _publish_and_redirect(scheme_id, rollback, done, number)


@blueprint.post("/export")
@require_role("admin")
def export() -> Response:
    """The published catalogue as scheme files (a zip), as `aides schemes export` writes them."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    buffer = io.BytesIO(export_archive(db_session(), actor=_actor(), address=request.remote_addr))
    return send_file(buffer, mimetype="application/zip", download_name="aid_schemes.zip")


@blueprint.route("/users", methods=["GET", "POST"])
@require_role("admin")
def users() -> ViewResult:
    """Accounts, and a form to create one."""
    db = db_session()
    form = UserForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                db,
                form.email.data or "",
                form.password.data or "",
                form.role.data or "editor",
                actor=_actor(),
            )
        except accounts.AccountError as error:
            field = form.password if error.reason in ("too_short", "guessable") else form.email
            field.errors = [str(ACCOUNT_REFUSALS[error.reason])]
            status = 400
        else:
            flash(_("Account created for %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    elif request.method == "POST":
        status = 400
    everyone = list(db.scalars(select(User).order_by(User.email)))
    return render_template(
        "admin/users.html", form=form, users=everyone, role_form=RoleForm(), button=EmptyForm()
    ), status


def _user_or_404(user_id: int) -> User:
    user = db_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


@blueprint.post(f"/users/<{DB_ID}:user_id>/disable")
@require_role("admin")
def disable_user(user_id: int) -> Response:
    """Disable an account; its sessions end at once."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = _user_or_404(user_id)
    try:
        accounts.disable_user(db_session(), user, actor=_actor())
    except accounts.AccountError as error:
        flash(str(ACCOUNT_REFUSALS[error.reason]), "error")
        return redirect(url_for("admin.users"))
    flash(_("%(email)s is disabled.", email=user.email), "success")
    return redirect(url_for("admin.users"))


@blueprint.post(f"/users/<{DB_ID}:user_id>/role")
@require_role("admin")
def change_role(user_id: int) -> Response:
    """Change a role, after the administrator re-enters their own password."""
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    admin = signed_in_user()
    if admin is None:  # require_role guarantees a user; this narrows the type
        abort(403)
    db = db_session()
    try:
        accounts.confirm_password(
            db, admin, form.password.data or "", refusal="user.role_refused", target=str(user_id)
        )
    except accounts.AccountError:
        flash(_("Your password was not confirmed; the role is unchanged."), "error")
        return redirect(url_for("admin.users"))
    user = _user_or_404(user_id)
    try:
        accounts.change_role(db, user, form.role.data or user.role, actor=_actor())
    except accounts.AccountError as error:
        flash(str(ACCOUNT_REFUSALS[error.reason]), "error")
        return redirect(url_for("admin.users"))
    flash(_("%(email)s is now %(role)s.", email=user.email, role=ROLE_LABELS[user.role]), "success")
    return redirect(url_for("admin.users"))


def _new_password(form: PasswordChangeForm, user: User) -> bool:
    """The password change of the form, or False with the form's errors saying why not."""
    db = db_session()
    try:
        accounts.confirm_password(
            db,
            user,
            form.current.data or "",
            refusal="password.refused",
            address=request.remote_addr,
        )
    except accounts.AccountError:
        form.current.errors = [_("This is not your current password.")]
        return False
    if form.new.data != form.repeat.data:
        form.repeat.errors = [_("The two new passwords differ.")]
        return False
    try:
        accounts.change_password(db, user, form.new.data or "", address=request.remote_addr)
    except accounts.AccountError as error:
        form.new.errors = [str(ACCOUNT_REFUSALS[error.reason])]
        return False
    return True


@blueprint.route("/account", methods=["GET", "POST"])
@require_role("editor", "admin")
def account() -> ViewResult:
    """Change one's own password: the current one first; every session ends afterwards. The
    page also offers new recovery codes (see recovery.py)."""
    form = PasswordChangeForm()
    user = signed_in_user()
    if user is None:  # require_role guarantees a user; this narrows the type
        abort(403)
    if form.validate_on_submit() and _new_password(form, user):
        flash(_("Your password is changed. Sign in again with it."), "success")
        return redirect(url_for("admin_auth.login"))
    status = 400 if request.method == "POST" else 200
    return account_page(user, password_form=form, status=status)


@blueprint.get("/audit")
@require_role("admin")
def audit_log() -> str:
    """The latest logins, refusals and changes."""
    return render_template("admin/audit.html", events=audit.recent(db_session()))
