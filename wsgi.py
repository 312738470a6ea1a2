"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from app import create_app
from app.private_files import restrict_new_files
from app.services import services

# Before anything is created: the database, its WAL, instance/ are the owner's only.
restrict_new_files()
app = create_app()
# gunicorn imports this module once in its master (preload_app): the language models loaded
# here are shared by every forked worker (bench/memory.py measures it).
with app.app_context():
    guesser = services().conversations.guesser
    if guesser is not None:
        guesser.preload()
