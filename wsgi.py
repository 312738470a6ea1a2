"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from app import create_app
from app.private_files import restrict_new_files

# Before anything is created: the database, its WAL, instance/ are the owner's only.
restrict_new_files()
app = create_app()
