"""Helpers shared by test modules: isolated databases, migrations, the contract's scheme ids."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, make_url, text

from app.config import PROJECT_ROOT
from app.db import make_engine

# The ids that contract.md §1 promises, kept here too so the test runs without shared/.
CONTRACT_IDS = [
    "cnc-creation-immersive",
    "cnc-xn-ecriture",
    "cnc-xn-developpement",
    "cnc-xn-production",
    "cnc-dicream-developpement",
    "cnc-dicream-production",
    "cnc-dicream-diffusion",
    "cnc-vad-titulaires-droits",
    "cnc-vad-editeurs-smad",
    "cnc-numerisation-patrimoine",
    "cnc-choc-modernisation",
    "cnc-talent-creation",
    "cnc-talent-chaine",
    "cnm-diffusions-alternatives",
    "cnm-transition-numerique",
    "cnl-numerisation-revues",
    "cnl-editeurs-grands-projets",
    "cnl-editeurs-publication",
    "cnl-bourse-auteurs",
    "cnl-bourse-residence",
    "cnl-services-numeriques",
    "mc-chimeres",
    "pia4-experience-augmentee-spectacle-vivant",
    "pia4-numerisation-patrimoine-architecture",
    "pia4-ami-billetterie-innovante",
    "pia4-alternatives-vertes",
    "bpi-inov-icc",
    "onda-ecran-vivant",
    "if-digital-lab-africa",
    "if-cinematheque-afrique",
    "villa-albertine-residences",
    "pass-culture-offreurs",
]


# The variables that contract.md §2 promises.
CONTRACT_VARIABLES = [
    "applicant_type",
    "roles",
    "sectors",
    "country_zone",
    "nationality_zone",
    "years_of_activity",
    "closed_financial_years",
    "employees",
    "annual_turnover_eur",
    "insolvency_proceedings",
    "cnm_affiliated",
    "music_activity_share_percent",
    "vhss_training_done",
    "published_books_sole_author",
    "catalogue_titles",
    "new_titles_per_year",
    "online_subscribers",
    "project_stage",
    "project_types",
    "project_language",
    "project_started",
    "cofinancing_percent",
    "project_budget_eur",
    "works_in_catalogue",
    "work_first_release_year",
    "host_organisation_in_france",
]


def backend_url(tmp_dir: Path) -> str:
    """The database the suite runs on: TEST_DATABASE_URL, else a SQLite file in tmp_dir."""
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'test.sqlite3'}"


def isolated_database_url(base_url: str, tmp_dir: Path) -> Iterator[str]:
    """An empty database of base_url's backend: a new SQLite file, or a new PostgreSQL schema."""
    url = make_url(base_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_dir / f'{uuid.uuid4().hex}.sqlite3'}"
        return
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def alembic_config(connection: Connection) -> Config:
    """Alembic configured to migrate through an open connection."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["connection"] = connection
    config.attributes["configure_logger"] = False
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind engine to revision."""
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
