"""Disabling a user and changing a role: one service each, which writes its audit record; the
admin pages only translate HTTP (and commit once)."""

from __future__ import annotations

import pytest
from admin_support import PASSWORD, csrf_token, make_user, sign_in
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import accounts, audit
from app.models import AuditEvent, User


def _events(db: Session, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _disable(client: FlaskClient, admin: User, target: User, lang: str) -> str:
    """The page an administrator sees after asking to disable target."""
    sign_in(client, admin)
    token = csrf_token(client, f"/{lang}/admin/users")
    return client.post(
        f"/{lang}/admin/users/{target.id}/disable",
        data={"csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)


def test_disabling_through_the_page_writes_the_change_and_its_record(
    client: FlaskClient, db: Session
) -> None:
    editor = make_user(db, "editor@example.org", "editor")
    admin = make_user(db, "admin@example.org", "admin")
    page = _disable(client, admin, editor, "en")
    assert "editor@example.org is disabled." in page
    db.refresh(editor)
    assert editor.active is False
    assert [(e.actor, e.target) for e in _events(db, "user.disable")] == [
        ("admin@example.org", "editor@example.org")
    ]


def test_an_administrator_cannot_disable_their_own_account(
    client: FlaskClient, db: Session
) -> None:
    admin = make_user(db, "admin@example.org", "admin")
    make_user(db, "other@example.org", "admin")
    page = _disable(client, admin, admin, "fr")
    assert "Vous ne pouvez pas désactiver votre propre compte." in page
    db.refresh(admin)
    assert admin.active is True
    assert _events(db, "user.disable") == []


def test_the_services_refuse_without_writing(db: Session) -> None:
    admin = make_user(db, "admin@example.org", "admin")
    with pytest.raises(accounts.AccountError) as refused:
        accounts.disable_user(db, admin, actor="someone@example.org")
    assert refused.value.reason == "last_admin"
    with pytest.raises(accounts.AccountError) as refused:
        accounts.change_role(db, admin, "editor", actor="someone@example.org")
    assert refused.value.reason == "last_admin"
    with pytest.raises(accounts.AccountError) as refused:
        accounts.change_role(db, admin, "owner", actor="someone@example.org")
    assert refused.value.reason == "role"
    assert (admin.active, admin.role) == (True, "admin")
    assert _events(db, "user.disable") + _events(db, "user.role") == []


def test_a_role_change_through_the_page_is_recorded_once(client: FlaskClient, db: Session) -> None:
    editor = make_user(db, "editor@example.org", "editor")
    admin = make_user(db, "admin@example.org", "admin")
    sign_in(client, admin)
    token = csrf_token(client, "/en/admin/users")
    for target, role in ((admin, "editor"), (editor, "admin")):  # the first is refused
        form = {"csrf_token": token, "role": role, "password": PASSWORD}
        client.post(f"/en/admin/users/{target.id}/role", data=form)
    db.refresh(editor)
    db.refresh(admin)
    assert (editor.role, admin.role) == ("admin", "admin")
    assert [(e.target, e.detail) for e in _events(db, "user.role")] == [
        ("editor@example.org", {"role": "admin"})
    ]


def test_a_write_that_fails_midway_leaves_nothing(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The account is written, then its audit record fails: the unit of work rolls it back."""

    def crash(session: Session, *_args: object, **_kwargs: object) -> None:
        session.flush()  # the user's row is in the database's transaction by now
        raise RuntimeError("crash while auditing")

    monkeypatch.setattr(audit, "record", crash)
    with pytest.raises(RuntimeError):
        accounts.create_user(db, "new@example.org", PASSWORD, "editor", actor="test")
    monkeypatch.undo()
    assert accounts.find_user(db, "new@example.org") is None
    assert _events(db, "user.create") == []
