"""Pooled connections to a database server: a connection that died while idle is replaced."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from workshop.extensions import db
from workshop.services import transactions


def _backend_pid() -> int:
    pid = db.session.scalar(text("SELECT pg_backend_pid()"))
    db.session.rollback()
    db.session.remove()  # the connection goes back to the pool
    return pid


@pytest.fixture
def server_database():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("an embedded SQLite file has no server connection to lose")
    db.session.remove()
    db.engine.dispose()  # a pool holding one connection, so the killed one is the one used
    yield
    db.session.remove()
    db.engine.dispose()  # leave no dead connection behind for later tests


def _kill(pid: int) -> None:
    killer = create_engine(db.engine.url, poolclass=NullPool)
    with killer.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()


def test_a_connection_killed_while_idle_is_replaced(server_database, client, monkeypatch):
    pid = _backend_pid()
    _kill(pid)
    monkeypatch.setattr(transactions, "IDLE_PING_SECONDS", 0.0)  # as if idle for long

    assert client.get("/api/v1/workshops").status_code == 200
    assert _backend_pid() != pid


def test_a_connection_used_a_moment_ago_is_not_pinged(server_database, monkeypatch):
    pings: list[object] = []
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda conn: pings.append(conn) or True)
    _backend_pid()
    _backend_pid()
    assert pings == []
    monkeypatch.setattr(transactions, "IDLE_PING_SECONDS", 0.0)
    _backend_pid()
    assert len(pings) == 1
