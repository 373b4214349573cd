"""Admin forms (POST, with CSRF tokens)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.web.core.choices import SelectChoice


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])


class CodeForm(FlaskForm):
    """A six-digit code from the authenticator app."""

    code = StringField(_l("Six-digit code"), validators=[DataRequired(), Length(min=6, max=8)])


class EmptyForm(FlaskForm):
    """A button that changes state: only its CSRF token."""


class CommentForm(FlaskForm):
    """Why a revision is published or rolled back."""

    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])


class UserForm(FlaskForm):
    """A new account."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=12, max=1000)])
    role = SelectField(
        _l("Account role"),
        choices=[SelectChoice("editor", _l("Editor")), SelectChoice("admin", _l("Administrator"))],
    )


class RoleForm(FlaskForm):
    """A role change, confirmed with the administrator's own password."""

    role = SelectField(
        _l("Account role"),
        choices=[SelectChoice("editor", _l("Editor")), SelectChoice("admin", _l("Administrator"))],
    )
    password = PasswordField(_l("Your password, to confirm"), validators=[DataRequired()])


class PasswordChangeForm(FlaskForm):
    """A new password, after the current one."""

    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=12, max=1000)])
    repeat = PasswordField(_l("New password, again"), validators=[DataRequired()])


class RecoveryCodeForm(FlaskForm):
    """One of the recovery codes given at enrolment, instead of the authenticator's code."""

    code = StringField(_l("Recovery code"), validators=[DataRequired(), Length(max=40)])


class NewRecoveryCodesForm(FlaskForm):
    """New recovery codes, after the password or a code from the authenticator app."""

    password = PasswordField(_l("Your password"), validators=[Optional(), Length(max=1000)])
    code = StringField(
        _l("Or a six-digit code from your authenticator app"),
        validators=[Optional(), Length(max=8)],
    )


class ConfirmForm(FlaskForm):
    """An action on another account, confirmed with the administrator's own password."""

    password = PasswordField(_l("Your password, to confirm"), validators=[DataRequired()])
