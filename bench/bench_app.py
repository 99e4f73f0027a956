"""The real app (wsgi.py's, Thai word list loaded) plus two reference endpoints, so that
benchmarks compare against the same server:

- ``GET /bench/hello``: a bare hello-world.
- ``POST /bench/scan-floor``: what a first scan cannot go below on this stack. It takes the same
  JSON body as ``POST /api/v1/checkins``, checks the ticket's signature and writes the same rows
  with the same statements as ``services.checkins`` (session context, check-in, counter), but
  on the database driver's own connection and without authentication, rate limiting, request
  validation, the window and status rules, or the ORM session. Not part of the product: the
  check-in benchmark runs it to show how much of a scan is the database write itself.
"""

import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import request
from sqlalchemy import Engine, Table

from workshop.extensions import csrf, db
from workshop.models.types import utcnow
from workshop.services.checkins import _SCAN_CONTEXT, _SCAN_STATEMENTS, _checkins, _tallies
from workshop.services.tickets import verify_ticket
from workshop.services.transactions import _write_from_here

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from wsgi import app


@app.get("/bench/hello")
def hello() -> str:
    return "hello"


def _compiled(statement, dialect, table: Table | None = None, keys: tuple[str, ...] = ()):
    """(SQL text, parameter order or None, function making the driver's parameters)."""
    compiled = statement.compile(dialect=dialect, column_keys=list(keys) or None)
    processors = {
        key: table.c[key].type.bind_processor(dialect) for key in keys if table is not None
    }

    def parameters(values: dict):
        values = compiled.construct_params(
            {k: processors[k](v) if processors.get(k) else v for k, v in values.items()}
        )
        if compiled.positiontup is None:
            return values
        return tuple(values[name] for name in compiled.positiontup)

    return compiled.string, parameters


_FLOOR: dict[str, tuple] = {}
_CHECKIN_KEYS = (
    "registration_id",
    "session_id",
    "scanned_at",
    "recorded_at",
    "staff_id",
    "method",
    "override_reason",
)


def _floor_statements(dialect):
    if dialect.name not in _FLOOR:
        add_checkin, add_to_tally = _SCAN_STATEMENTS[dialect.name]
        _FLOOR[dialect.name] = (
            _compiled(_SCAN_CONTEXT, dialect),
            _compiled(
                add_checkin,
                dialect,
                _checkins,
                _CHECKIN_KEYS,
            ),
            _compiled(add_to_tally, dialect, _tallies, ("session_id", "slot", "checked_in")),
        )
    return _FLOOR[dialect.name]


@contextmanager
def driver_transaction(engine: Engine) -> Iterator:
    """A cursor on a pooled driver connection, in a transaction that commits at the end; on
    SQLite it queues for the write lock and begins IMMEDIATE, as ``begin_write`` does."""
    pooled = engine.raw_connection()
    try:
        if engine.dialect.name == "sqlite":
            _write_from_here(pooled)  # the turn is released when the connection goes back
        yield pooled.cursor()
        pooled.commit()
    except BaseException:
        pooled.rollback()
        raise
    finally:
        pooled.close()


@app.post("/bench/scan-floor")
@csrf.exempt
def scan_floor():
    body = request.get_json()
    registration_id, _secret = verify_ticket(body["ticket"])
    session_id = body["session_id"]
    (context_sql, context), (add_sql, add), (tally_sql, tally) = _floor_statements(
        db.engine.dialect
    )
    now = utcnow()
    with driver_transaction(db.engine) as cursor:
        cursor.execute(
            context_sql,
            # No door's office here (no authentication): the office check reads nothing.
            context(
                {
                    "session_id": session_id,
                    "registration_id": registration_id,
                    "staff_office_id": None,
                }
            ),
        )
        scan = cursor.fetchone()
        cursor.execute(
            add_sql,
            add(
                {
                    "registration_id": registration_id,
                    "session_id": session_id,
                    "scanned_at": now,
                    "recorded_at": now,
                    "staff_id": 1,
                    "method": "qr",
                    "override_reason": "",
                }
            ),
        )
        new_id = cursor.fetchone()
        slot = random.randrange(16)
        cursor.execute(tally_sql, tally({"session_id": session_id, "slot": slot, "checked_in": 1}))
    return {
        "result": "checked_in" if new_id else "already_checked_in",
        "person": {"name": scan[11], "agency": scan[14]},
        "counts": {"checked_in": scan[6] + 1, "confirmed": scan[5]},
    }, 201
