"""Settings read from environment variables, shared by the web app, the CLI and migrations."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_DIR = PROJECT_ROOT / "instance"
DEFAULT_SCHEMES_DIR = PROJECT_ROOT / "aid_schemes"


@dataclass(frozen=True)
class Settings:
    """Everything the application reads from its environment."""

    database_url: str
    search_index_dir: Path
    secret_key: str
    schemes_dir: Path
    redis_url: str | None
    instance_dir: Path
    # Served over HTTPS: cookies get Secure and the __Host- prefix, and HSTS is sent.
    secure_cookies: bool = False
    # Behind one reverse proxy: trust its X-Forwarded-For/-Proto (client address for the login
    # limits and the audit log, https). Never set it when clients reach the app directly.
    behind_proxy: bool = False
    # Where e-mail goes (smtp://user:password@host:587?starttls=1); unset: no mail is offered.
    smtp_url: str | None = None
    # The sender of every message.
    mail_from: str = "Aides culture numérique <no-reply@localhost>"
    # The site's public address, for links in mail sent outside a web request.
    public_base_url: str = "http://127.0.0.1:5000"
    # Host names the site answers to (the Host header); any other gets 400. The host of
    # public_base_url is always accepted.
    server_names: tuple[str, ...] = ("127.0.0.1", "localhost")
    # Seconds any one database operation of a web request may take (connect, query, lock wait)
    # before the request gives up with a 503: a hung database must not hold every worker.
    database_timeout: float = 2.0
    # Database connections per process: fewer than the worker's threads, so that the threads a
    # hung database holds are only part of them (docs/production.md).
    database_pool_size: int = 2
    # Each worker reads the admin dashboard's rows in the background as it starts, so that no
    # editor's first view in that worker reads every record (at 10,000 schemes, 0.2-0.9 s).
    dashboard_warm_up: bool = False


def _secret_key(instance_dir: Path) -> str:
    """Return SECRET_KEY, or a random key kept under instance/ so restarts keep sessions."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Written owner-readable only: the key signs sessions.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def _flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")


def _names(name: str) -> tuple[str, ...]:
    return tuple(n.strip().lower() for n in os.environ.get(name, "").split(",") if n.strip())


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    value = float(raw)
    if not 0 < value <= 3600:
        raise ValueError(f"{name} must be a number of seconds between 0 and 3600, not {raw!r}")
    return value


def load_settings() -> Settings:
    """Build the settings from the environment, with laptop-friendly defaults."""
    instance_dir = Path(os.environ.get("INSTANCE_DIR", DEFAULT_INSTANCE_DIR))
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'aides.sqlite3'}"
    index_dir = Path(os.environ.get("SEARCH_INDEX_DIR", instance_dir / "search-index"))
    return Settings(
        database_url=database_url,
        search_index_dir=index_dir,
        secret_key=_secret_key(instance_dir),
        schemes_dir=Path(os.environ.get("SCHEMES_DIR", DEFAULT_SCHEMES_DIR)),
        redis_url=os.environ.get("REDIS_URL") or None,
        instance_dir=instance_dir,
        secure_cookies=_flag("SECURE_COOKIES"),
        behind_proxy=_flag("BEHIND_PROXY"),
        smtp_url=os.environ.get("SMTP_URL") or None,
        mail_from=os.environ.get("MAIL_FROM") or Settings.mail_from,
        public_base_url=os.environ.get("PUBLIC_BASE_URL") or Settings.public_base_url,
        server_names=_names("SERVER_NAMES") or Settings.server_names,
        database_timeout=_seconds("DATABASE_TIMEOUT", Settings.database_timeout),
        database_pool_size=int(os.environ.get("DATABASE_POOL_SIZE") or Settings.database_pool_size),
        dashboard_warm_up=_flag("DASHBOARD_WARM_UP"),
    )
