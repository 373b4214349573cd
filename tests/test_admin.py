"""Admin access, accounts and workflow through HTTP: the security checklist, one test per item."""

from __future__ import annotations

import io
import re
import time
import zipfile

import pyotp
import pytest
from admin_support import PASSWORD, assert_sent_to_sign_in, csrf_token, make_user, sign_in
from flask import Flask
from flask.testing import FlaskClient
from harness import csrf_token_in
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import accounts
from app.catalogue import parse_scheme
from app.editing import ConflictError, EditError, latest_revision, publish, rollback, save_draft
from app.models import AuditEvent, User
from app.schemes import Scheme
from app.vocabulary import Vocabulary

SCHEME = "cnl-bourse-auteurs"
# Every admin URL and action, with the roles allowed.
ADMIN_URLS = [
    ("GET", "/en/admin/", {"editor", "admin"}),
    ("GET", f"/en/admin/schemes/{SCHEME}/revisions", {"editor", "admin"}),
    ("GET", f"/en/admin/schemes/{SCHEME}/draft", {"editor", "admin"}),
    ("GET", f"/en/admin/schemes/{SCHEME}/compare", {"editor", "admin"}),
    ("GET", f"/en/admin/schemes/{SCHEME}/edit", {"editor", "admin"}),
    ("GET", "/en/admin/schemes/new", {"editor", "admin"}),
    ("POST", f"/en/admin/schemes/{SCHEME}/publish", {"admin"}),
    ("POST", f"/en/admin/schemes/{SCHEME}/rollback/1", {"admin"}),
    ("POST", "/en/admin/export", {"admin"}),
    ("GET", "/en/admin/users", {"admin"}),
    ("POST", "/en/admin/users", {"admin"}),
    ("POST", "/en/admin/users/{target}/disable", {"admin"}),
    ("POST", "/en/admin/users/{target}/role", {"admin"}),
    ("POST", "/en/admin/users/{target}/second-factor/reset", {"admin"}),
    ("GET", "/en/admin/audit", {"admin"}),
    ("GET", "/en/admin/account", {"editor", "admin"}),
    ("POST", "/en/admin/account", {"editor", "admin"}),
    ("POST", "/en/admin/account/recovery-codes", {"admin"}),
]


def events(db: Session, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.mark.parametrize(
    ("method", "url", "allowed"), ADMIN_URLS, ids=[f"{m} {u}" for m, u, _ in ADMIN_URLS]
)
@pytest.mark.parametrize("who", ["anonymous", "editor", "admin"])
def test_access_matrix(
    client: FlaskClient, db: Session, method: str, url: str, allowed: set[str], who: str
) -> None:
    target = make_user(db, "target@example.org", "editor")  # ids differ between databases
    url = url.format(target=target.id)
    if who != "anonymous":
        sign_in(client, make_user(db, f"{who}@example.org", who))
    token = csrf_token(client, "/en/admin/login")
    response = client.open(url, method=method, data={"csrf_token": token})
    if who == "anonymous":
        assert response.status_code == 302
        assert "/admin/login" in response.headers["Location"]
    elif who in allowed:
        assert response.status_code in (200, 302, 400)
    else:
        assert response.status_code == 403


def test_no_admin_url_answers_an_anonymous_visitor_with_content(
    app: Flask, client: FlaskClient
) -> None:
    for rule in app.url_map.iter_rules():
        if "/admin" not in rule.rule or rule.endpoint.startswith("admin_auth."):
            continue
        url = rule.rule.replace("<lang>", "en").replace("<scheme_id>", SCHEME)
        url = re.sub(r"<int(\([^)]*\))?:(number|user_id)>", "1", url)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method)
            assert response.status_code in (302, 400, 401, 403), (method, url, response.status_code)
            if response.status_code == 302:
                assert "/admin/login" in response.headers["Location"]


def test_forms_without_csrf_token_are_refused(client: FlaskClient, db: Session) -> None:
    admin = make_user(db, "admin@example.org", "admin")
    sign_in(client, admin)
    assert client.post("/en/admin/export").status_code == 400
    assert client.post("/en/admin/logout").status_code == 400
    assert (
        client.post(
            "/en/admin/login", data={"email": admin.email, "password": PASSWORD}
        ).status_code
        == 400
    )


def test_no_default_account_and_weak_passwords_refused(db: Session) -> None:
    assert db.scalar(select(User)) is None
    for weak in ("short", "password1234", "aaaaaaaaaaaa", "admin@example.org1"):
        with pytest.raises(accounts.AccountError):
            accounts.create_user(db, "admin@example.org", weak, "admin", actor="test")


def test_passwords_are_argon2id_hashes(db: Session) -> None:
    user = make_user(db, "editor@example.org", "editor")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_wrong_password_is_refused_and_audited(client: FlaskClient, db: Session) -> None:
    user = make_user(db, "editor@example.org", "editor")
    token = csrf_token(client, "/en/admin/login")
    response = client.post(
        "/en/admin/login",
        data={"csrf_token": token, "email": user.email, "password": "wrong-password-123456"},
    )
    assert response.status_code == 401
    assert "Wrong email or password" in response.get_data(as_text=True)
    assert events(db, "login.failed")[0].actor == user.email


def test_login_is_rate_limited_per_account(client: FlaskClient, db: Session) -> None:
    user = make_user(db, "victim@example.org", "editor")
    statuses = []
    for _ in range(7):
        token = csrf_token(client, "/en/admin/login")
        statuses.append(
            client.post(
                "/en/admin/login",
                data={"csrf_token": token, "email": user.email, "password": "guess-guess-guess-1"},
            ).status_code
        )
    assert 429 in statuses
    assert statuses[:5] == [401] * 5


def test_admins_need_a_totp_code(client: FlaskClient, db: Session) -> None:
    admin = make_user(db, "admin@example.org", "admin")
    token = csrf_token(client, "/en/admin/login")
    client.post(
        "/en/admin/login", data={"csrf_token": token, "email": admin.email, "password": PASSWORD}
    )
    assert client.get("/en/admin/users").status_code == 302  # password alone is not enough
    token = csrf_token(client, "/en/admin/second-factor")
    assert (
        client.post(
            "/en/admin/second-factor", data={"csrf_token": token, "code": "000000"}
        ).status_code
        == 401
    )
    code = pyotp.TOTP(admin.totp_secret or "").now()
    assert (
        client.post("/en/admin/second-factor", data={"csrf_token": token, "code": code}).status_code
        == 302
    )
    assert client.get("/en/admin/users").status_code == 200


def test_first_admin_enrols_a_totp_secret(client: FlaskClient, db: Session) -> None:
    admin = accounts.create_user(db, "first@example.org", PASSWORD, "admin", actor="test")
    token = csrf_token(client, "/en/admin/login")
    client.post(
        "/en/admin/login", data={"csrf_token": token, "email": admin.email, "password": PASSWORD}
    )
    page = client.get("/en/admin/second-factor").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7]+)</code>", page)
    assert secret
    token = csrf_token(client, "/en/admin/second-factor")
    code = pyotp.TOTP(secret.group(1)).now()
    response = client.post("/en/admin/second-factor", data={"csrf_token": token, "code": code})
    assert response.status_code == 200  # the recovery codes, shown this once
    assert "Your recovery codes" in response.get_data(as_text=True)
    db.refresh(admin)
    assert admin.totp_secret == secret.group(1)


def test_logout_ends_the_session_on_the_server(client: FlaskClient, db: Session) -> None:
    user = make_user(db, "editor@example.org", "editor")
    sign_in(client, user)
    stolen = client.get_cookie("session")
    assert stolen is not None
    token = csrf_token(client, "/en/admin/")
    assert client.post("/en/admin/logout", data={"csrf_token": token}).status_code == 302
    client.set_cookie("session", stolen.value)  # replaying the old cookie
    assert_sent_to_sign_in(client.get("/en/admin/"), "/en/admin/")


def test_disabling_a_user_ends_their_sessions(app: Flask, client: FlaskClient, db: Session) -> None:
    editor = make_user(db, "editor@example.org", "editor")
    admin = make_user(db, "admin@example.org", "admin")
    editor_client = app.test_client()
    sign_in(editor_client, editor)
    assert editor_client.get("/en/admin/").status_code == 200
    sign_in(client, admin)
    token = csrf_token(client, "/en/admin/users")
    assert (
        client.post(f"/en/admin/users/{editor.id}/disable", data={"csrf_token": token}).status_code
        == 302
    )
    assert_sent_to_sign_in(editor_client.get("/en/admin/"), "/en/admin/")


def test_idle_sessions_expire(
    client: FlaskClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(client, make_user(db, "editor@example.org", "editor"))
    later = time.time() + 31 * 60
    monkeypatch.setattr("app.web.admin.access.time.time", lambda: later)
    assert_sent_to_sign_in(client.get("/en/admin/"), "/en/admin/")


def test_role_change_needs_the_admins_password(client: FlaskClient, db: Session) -> None:
    editor = make_user(db, "editor@example.org", "editor")
    sign_in(client, make_user(db, "admin@example.org", "admin"))
    token = csrf_token(client, "/en/admin/users")
    client.post(
        f"/en/admin/users/{editor.id}/role",
        data={"csrf_token": token, "role": "admin", "password": "not-my-password-x"},
    )
    db.refresh(editor)
    assert editor.role == "editor"
    client.post(
        f"/en/admin/users/{editor.id}/role",
        data={"csrf_token": token, "role": "admin", "password": PASSWORD},
    )
    db.refresh(editor)
    assert editor.role == "admin"


def test_audit_lines_cannot_be_forged(client: FlaskClient, db: Session) -> None:
    token = csrf_token(client, "/en/admin/login")
    client.post(
        "/en/admin/login",
        data={
            "csrf_token": token,
            "email": "x@example.org\nlogin admin",
            "password": "whatever-whatever",
        },
    )
    assert all("\n" not in (event.actor or "") for event in events(db, "login.failed"))


def _edited(catalogue: list[Scheme], **changes: object) -> Scheme:
    scheme = next(s for s in catalogue if s.id == SCHEME)
    return scheme.model_copy(update=changes)


def test_draft_publish_rollback_and_history(
    db: Session, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    base = latest_revision(db, SCHEME)
    assert base is not None
    original = next(s for s in catalogue if s.id == SCHEME)
    name = original.name.model_copy(update={"en": "CNL – Authors' grant (edited)"})
    save_draft(
        db,
        _edited(catalogue, name=name),
        base=base.number,
        author="editor@example.org",
        comment="rename",
        vocabulary=vocabulary,
    )
    from app.repository import get_scheme

    assert get_scheme(db, SCHEME) == original  # the public still sees the published text
    published = publish(db, SCHEME, author="admin@example.org", comment="ok", vocabulary=vocabulary)
    assert get_scheme(db, SCHEME).name.en.endswith("(edited)")  # type: ignore[union-attr]
    back = rollback(
        db, SCHEME, base.number, author="admin@example.org", comment="", vocabulary=vocabulary
    )
    assert back.number == published.number + 1
    assert get_scheme(db, SCHEME) == original


def test_publishing_is_refused_while_an_example_fails(
    db: Session, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    original = next(s for s in catalogue if s.id == SCHEME)
    # An example now said to be ineligible: the rules no longer give what it expects.
    example = next(e for e in original.examples if e.expect != "ineligible")
    wrong = example.model_copy(
        update={"expect": "ineligible", "failed": (original.criteria[0].id,)}
    )
    examples = tuple(wrong if e is example else e for e in original.examples)
    base = latest_revision(db, SCHEME)
    save_draft(
        db,
        _edited(catalogue, examples=examples),
        base=base.number,
        author="e",
        comment="",
        vocabulary=vocabulary,
    )  # type: ignore[union-attr]
    with pytest.raises(EditError) as refused:
        publish(db, SCHEME, author="admin", comment="", vocabulary=vocabulary)
    assert any("expects" in problem.message for problem in refused.value.problems)
    from app.repository import get_scheme

    assert get_scheme(db, SCHEME) == original


def test_the_second_of_two_concurrent_saves_is_refused(
    db: Session, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    base = latest_revision(db, SCHEME).number  # type: ignore[union-attr]
    original = next(s for s in catalogue if s.id == SCHEME)
    first = _edited(
        catalogue, summary=original.summary.model_copy(update={"en": "First editor's summary."})
    )
    second = _edited(
        catalogue, summary=original.summary.model_copy(update={"en": "Second editor's summary."})
    )
    save_draft(db, first, base=base, author="one@example.org", comment="", vocabulary=vocabulary)
    with pytest.raises(ConflictError) as conflict:
        save_draft(
            db, second, base=base, author="two@example.org", comment="", vocabulary=vocabulary
        )
    assert conflict.value.theirs.author == "one@example.org"
    assert any(change.field == "summary.en" for change in conflict.value.changes)
    assert latest_revision(db, SCHEME).document["summary"]["en"] == "First editor's summary."  # type: ignore[union-attr]


def test_an_invalid_save_leaves_the_previous_revision_intact(
    db: Session, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    before = latest_revision(db, SCHEME)
    broken = _edited(catalogue, funder="nobody")
    with pytest.raises(EditError) as refused:
        save_draft(db, broken, base=before.number, author="e", comment="", vocabulary=vocabulary)  # type: ignore[union-attr]
    assert refused.value.problems[0].field == "funder"
    assert latest_revision(db, SCHEME).number == before.number  # type: ignore[union-attr]


def test_export_button_writes_files_that_validate(
    client: FlaskClient, db: Session, catalogue: list[Scheme]
) -> None:
    sign_in(client, make_user(db, "admin@example.org", "admin"))
    token = csrf_token(client, "/en/admin/")
    response = client.post("/en/admin/export", data={"csrf_token": token})
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert len(names) == len(catalogue)
    for name in names:
        scheme, problems = parse_scheme(name, archive.read(name).decode("utf-8"))
        assert problems == []
        assert scheme in catalogue


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_admin_pages_render_in_both_languages(client: FlaskClient, db: Session, lang: str) -> None:
    sign_in(client, make_user(db, "admin@example.org", "admin"))
    for url in ("/admin/", f"/admin/schemes/{SCHEME}/revisions", "/admin/users", "/admin/audit"):
        response = client.get(f"/{lang}{url}")
        assert response.status_code == 200, url
        assert f'<html lang="{lang}">' in response.get_data(as_text=True)


def test_session_cookie_flags(settings, session_factory, db: Session) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from app.web import create_app

    secure_app = create_app(replace(settings, secure_cookies=True), session_factory)
    client = secure_app.test_client()
    user = make_user(db, "editor@example.org", "editor")
    page = client.get("/en/admin/login", base_url="https://localhost").get_data(as_text=True)
    token = csrf_token_in(page)
    response = client.post(
        "/en/admin/login",
        data={"csrf_token": token, "email": user.email, "password": PASSWORD},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/en/admin/login"},  # checked over HTTPS
    )
    cookie = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("__Host-session=")
    )
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/" in cookie
    assert "Strict-Transport-Security" in response.headers


def test_a_draft_can_be_previewed_but_is_not_public(
    client: FlaskClient, db: Session, catalogue: list[Scheme], vocabulary: Vocabulary
) -> None:
    base = latest_revision(db, SCHEME)
    original = next(s for s in catalogue if s.id == SCHEME)
    name = original.name.model_copy(update={"en": "Secret draft title"})
    save_draft(
        db,
        _edited(catalogue, name=name),
        base=base.number,
        author="e@example.org",
        comment="",
        vocabulary=vocabulary,
    )  # type: ignore[union-attr]
    assert "Secret draft title" not in client.get(f"/en/aides/{SCHEME}").get_data(as_text=True)
    assert "Secret draft title" not in client.get("/api/v1/schemes?q=secret").get_data(as_text=True)
    sign_in(client, make_user(db, "editor@example.org", "editor"))
    assert "Secret draft title" in client.get(f"/en/admin/schemes/{SCHEME}/draft").get_data(
        as_text=True
    )


def test_changing_ones_password_needs_the_current_one_and_ends_sessions(
    client: FlaskClient, db: Session
) -> None:
    user = make_user(db, "editor@example.org", "editor")
    sign_in(client, user)
    token = csrf_token(client, "/en/admin/account")
    new = "another-long-passphrase-for-tests-7"
    refused = client.post(
        "/en/admin/account",
        data={"csrf_token": token, "current": "wrong-wrong-wrong-1", "new": new, "repeat": new},
    )
    assert refused.status_code == 400
    changed = client.post(
        "/en/admin/account",
        data={"csrf_token": token, "current": PASSWORD, "new": new, "repeat": new},
    )
    assert changed.status_code == 302
    assert_sent_to_sign_in(client.get("/en/admin/"), "/en/admin/")  # the session ended
    sign_in(client, user, password=new)
    assert client.get("/en/admin/").status_code == 200


def test_login_limits_are_shared_through_redis(settings, session_factory, db: Session) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    import redis

    from app.web import create_app

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    user = make_user(db, "shared@example.org", "editor")

    def attempt(worker: Flask) -> int:
        client = worker.test_client()
        token = csrf_token(client, "/en/admin/login")
        data = {"csrf_token": token, "email": user.email, "password": "guess-guess-guess-2"}
        return client.post("/en/admin/login", data=data).status_code

    first_worker = create_app(replace(settings, redis_url=url), session_factory)
    assert [attempt(first_worker) for _ in range(5)] == [401] * 5
    second_worker = create_app(replace(settings, redis_url=url), session_factory)  # another process
    assert attempt(second_worker) == 429
    redis.Redis.from_url(url).flushdb()


def test_client_address_comes_from_the_proxy_only_when_told(
    settings, session_factory, db: Session
) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from app.web import create_app

    for behind_proxy, expected in ((False, "127.0.0.1"), (True, "203.0.113.9")):
        client = create_app(
            replace(settings, behind_proxy=behind_proxy), session_factory
        ).test_client()
        token = csrf_token(client, "/en/admin/login")
        client.post(
            "/en/admin/login",
            data={
                "csrf_token": token,
                "email": f"{behind_proxy}@example.org",
                "password": "x" * 14,
            },
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
        event = next(
            e for e in events(db, "login.failed") if e.actor == f"{behind_proxy}@example.org"
        )
        assert event.address == expected


@pytest.mark.parametrize(("lang", "message"), [("fr", "trop courant"), ("en", "too common")])
def test_a_refused_password_is_explained_in_the_readers_language(
    client: FlaskClient, db: Session, lang: str, message: str
) -> None:
    sign_in(client, make_user(db, "admin@example.org", "admin"))
    token = csrf_token(client, f"/{lang}/admin/users")
    response = client.post(
        f"/{lang}/admin/users",
        data={
            "csrf_token": token,
            "email": "new@example.org",
            "password": "password1234",
            "role": "editor",
        },
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_an_admin_creates_an_account_through_the_form(client: FlaskClient, db: Session) -> None:
    sign_in(client, make_user(db, "admin@example.org", "admin"))
    token = csrf_token(client, "/en/admin/users")
    data = {
        "csrf_token": token,
        "email": "new.editor@example.org",
        "password": PASSWORD,
        "role": "editor",
    }
    assert client.post("/en/admin/users", data=data).status_code == 302
    assert accounts.find_user(db, "new.editor@example.org") is not None
