"""Serving the app from a preforking server: gunicorn with ``preload_app`` (see deploy/).

The master process builds the app and loads the Thai word list once; each worker is a fork of
it and shares those pages copy-on-write instead of importing its own copy. What must belong to
one process is made after the fork, in the worker that uses it:

- database connections: building the app opens none; :func:`before_fork` closes any the master
  opened anyway (a socket or SQLite handle used by two processes corrupts both sides' traffic),
  so every worker's pool connects on its own;
- the mail sender thread starts with a worker's first request (``services.notifications``);
  threads do not survive a fork, so the master has none to hand down;
- Redis: redis-py's pool notices the new process id and opens new connections;
- random: Python reseeds ``random`` in a forked child; ``secrets`` reads the OS.
"""

from __future__ import annotations

import gc

from flask import Flask

from workshop.extensions import db


def before_fork(app: Flask) -> None:
    """In the master, right before a worker is forked."""
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()  # the master's own connections: it closes them
    # What the master built lives as long as the workers: keep the garbage collector off those
    # objects, whose headers a collection in a worker would write to, copying their pages.
    gc.freeze()
