"""Serving the app from a preforking server: gunicorn with ``preload_app`` (see deploy/).

The master process builds the app and loads the Thai word list once; each worker is a fork of
it and shares those pages copy-on-write instead of importing its own copy. What must belong to
one process is made after the fork, in the worker that uses it:

- database connections: building the app opens none; :func:`before_fork` closes any the master
  opened anyway (a socket or SQLite handle used by two processes corrupts both sides' traffic),
  so every worker's pool connects on its own, first in :func:`worker_ready`;
- the mail sender thread starts with a worker's first request (``services.notifications``);
  threads do not survive a fork, so the master has none to hand down;
- Redis: redis-py's pool notices the new process id and opens new connections;
- random: Python reseeds ``random`` in a forked child; ``secrets`` reads the OS.
"""

from __future__ import annotations

import gc
import importlib
import logging

from flask import Flask
from sqlalchemy.orm import configure_mappers

from workshop.extensions import db

log = logging.getLogger(__name__)

# Modules the app imports only when first needed: mail (with its iCalendar attachment), ticket
# and report PDFs, spreadsheets, camera frame decoding. A new worker would otherwise import them
# in its first such request (0.6 s of CPU, 12 MiB of its own); the mail sender does so in the
# first request of every worker.
IMPORTED_ON_FIRST_USE = (
    "workshop.services.mail",
    "workshop.pdf.ticket",
    "workshop.pdf.report",
    "workshop.services.exports",
    "openpyxl",
    "PIL.Image",
    "zxingcpp",
)


def preload() -> None:
    """Do now what a worker's first requests would do (wsgi.py): import the modules above and
    configure the ORM's mappers (0.13 s). With preload_app: once, in the master, for every
    worker."""
    for name in IMPORTED_ON_FIRST_USE:
        importlib.import_module(name)
    configure_mappers()


def before_fork(app: Flask) -> None:
    """In the master, right before a worker is forked."""
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()  # the master's own connections: it closes them
    # What the master built lives as long as the workers: keep the garbage collector off those
    # objects, whose headers a collection in a worker would write to, copying their pages.
    gc.freeze()


def worker_ready(app: Flask) -> None:
    """In a new worker, before it takes its first request: open its first database connection,
    so that no request waits for it (on a busy machine a PostgreSQL connection takes a second).
    A database that does not answer must not stop the worker: /healthz then says so."""
    with app.app_context():
        try:
            db.engine.connect().close()  # back to the pool, kept for the first request
        except Exception:
            log.warning("the database did not answer at worker start", exc_info=True)
