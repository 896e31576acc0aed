"""The WSGI entry point for production servers: ``gunicorn badger.wsgi:app``.

The only module-level app (docs/architecture.md, "No module-level app"): importing this module reads the
BADGER_* environment once and builds the app; nothing else in Badger does I/O at import time.
"""

from badger.web import create_app

__all__ = ["app"]

app = create_app()
