"""WSGI entry point: `flask --app wsgi run` or `gunicorn wsgi:app`."""

from app.cli import db_group, eligibility_group, schemes_group, search_group, users_group
from app.web import create_app

app = create_app()
app.cli.add_command(schemes_group)
app.cli.add_command(db_group)
app.cli.add_command(eligibility_group)
app.cli.add_command(search_group)
app.cli.add_command(users_group)
