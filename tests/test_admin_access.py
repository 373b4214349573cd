"""Who counts as signed in: between the password and the second factor, an administrator sees
nothing of the admin (no menu, no address, no link into it)."""

from __future__ import annotations

import pyotp
import pytest
from admin_support import PASSWORD, csrf_token, make_user
from flask.testing import FlaskClient
from sqlalchemy.orm import Session


def _traces(email: str) -> list[str]:
    """What of the admin a page can show: its menu, the account's address, links into it."""
    return ['class="admin-nav"', email, 'href="/en/admin/"', 'href="/en/admin/users"']


def _admin_traces(page: str, email: str) -> list[str]:
    return [trace for trace in _traces(email) if trace in page]


@pytest.mark.parametrize("enrolled", [True, False])
def test_nothing_of_the_admin_before_the_second_factor(
    db: Session, client: FlaskClient, enrolled: bool
) -> None:
    admin = make_user(db, "half-signed@example.org", "admin")
    if not enrolled:
        admin.totp_secret = None
        db.commit()
    token = csrf_token(client, "/en/admin/login")
    response = client.post(
        "/en/admin/login", data={"csrf_token": token, "email": admin.email, "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/en/admin/second-factor")
    page = client.get("/en/admin/second-factor").get_data(as_text=True)
    assert _admin_traces(page, admin.email) == []
    assert client.get("/en/admin/").status_code == 302  # still outside

    db.refresh(admin)
    secret = admin.totp_secret or admin.totp_pending_secret or ""
    token = csrf_token(client, "/en/admin/second-factor")
    code = pyotp.TOTP(secret).now()
    response = client.post("/en/admin/second-factor", data={"csrf_token": token, "code": code})
    # Signed in: an enrolment answers with the recovery codes, shown once; a sign-in redirects.
    assert response.status_code == (302 if enrolled else 200)
    dashboard = client.get("/en/admin/").get_data(as_text=True)
    assert _admin_traces(dashboard, admin.email) == _traces(admin.email)
