"""The production app (wsgi.py) with ``GET /probe``, served by gunicorn in test_gunicorn.py.

The probe tells which process answers, which process loaded the app, which code version was
loaded (read from ``PROBE_VERSION_FILE`` at import: changing the file stands for a deployment),
and who opened the database connection the answering worker uses. While the app is built it
queries the database, as a start-up check might: a master that handed that pooled connection
down would have its workers talk over one socket (PostgreSQL) or file handle (SQLite).
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

from sqlalchemy import text

from workshop.extensions import db
from wsgi import app

LOADED_BY = os.getpid()
VERSION = Path(os.environ["PROBE_VERSION_FILE"]).read_text().strip()


def _connection() -> dict[str, int | None]:
    """Who opened the connection this process's session uses, and its server process."""
    connection = db.session.connection()
    opened_by = connection.info.setdefault("opened_by", os.getpid())  # the pooled record's
    backend = None
    if connection.dialect.name == "postgresql":
        backend = connection.scalar(text("SELECT pg_backend_pid()"))
    db.session.commit()
    return {"opened_by": opened_by, "backend": backend}


with app.app_context():
    MASTER_CONNECTION = _connection()


# Idle connections in this worker's pool when its first request came (empty until then).
_POOLED_AT_FIRST_REQUEST: list[int] = []


@app.get("/probe")
def probe():
    if not _POOLED_AT_FIRST_REQUEST:
        _POOLED_AT_FIRST_REQUEST.append(db.engine.pool.checkedin())
    return {
        "pid": os.getpid(),
        "parent": os.getppid(),
        "loaded_by": LOADED_BY,
        "version": VERSION,
        "connection": _connection(),
        "master_connection": MASTER_CONNECTION,
        "frozen_objects": gc.get_freeze_count(),
        "pooled_at_first_request": _POOLED_AT_FIRST_REQUEST[0],
    }
