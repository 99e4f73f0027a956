"""Transactions that write under concurrency, on SQLite as on PostgreSQL.

PostgreSQL serialises competing writers on the row they update. SQLite locks the whole database
and, by default, starts a transaction as a reader: two requests that read first and write later
then fail with "database is locked" instead of waiting. So on SQLite the driver's own transaction
handling is switched off and a writing service starts its transaction with ``BEGIN IMMEDIATE``,
which waits (up to the busy timeout) for the write lock before reading anything. Any other
transaction that reads and then writes is switched to a writer the same way at its first
INSERT, UPDATE or DELETE, instead of failing when another connection wrote meanwhile.

SQLite's busy timeout waits by sleeping and retrying (1, 2, 5, 10 ms and longer), so under a
steady stream of short write transactions from several gunicorn workers a waiting writer sleeps
far longer than the lock is held. Writers therefore first queue on an exclusive ``flock`` of a
file beside the database, which wakes the next writer as soon as the previous one has finished.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar

from sqlalchemy import Engine, event, exc, text

from workshop.extensions import db

log = logging.getLogger(__name__)

# Set by begin_write while it asks the session for its connection: a transaction that starts
# then starts as a writer at once. (Execution options cannot say this when the session's
# transaction began before it had a connection, e.g. because an object was added to it.)
_WRITE_WANTED: ContextVar[bool] = ContextVar("workshop_write_wanted", default=False)


# A pooled server connection unused for longer than this is tested before it is handed out.
IDLE_PING_SECONDS = 10.0


def configure_engine(engine: Engine) -> None:
    """Install the SQLite connection settings, or the idle-connection test for a server."""
    if engine.dialect.name != "sqlite":
        _ping_idle_connections(engine)
        return

    database = engine.url.database
    lock_path = f"{database}.write-lock" if database and database != ":memory:" else None

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, record) -> None:
        if lock_path is not None:
            # One descriptor per connection: flocks on separate descriptors exclude each other,
            # between threads of one process as between processes.
            record.info[_WRITE_LOCK] = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
            cursor.execute("PRAGMA journal_mode = WAL")  # readers go on while one writes
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:
        if _WRITE_WANTED.get():
            _WRITE_WANTED.set(False)  # begin_write sees that no read transaction has to end
            _write_from_here(connection.connection)
        else:
            connection.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "before_cursor_execute")
    def before_statement(connection, _cursor, statement, _parameters, _context, _many) -> None:
        # A transaction that has only read and now writes (a service that loads, changes and
        # commits without begin_write): SQLite refuses to turn a read transaction into a write
        # if another connection wrote since it began ("database is locked", at once, whatever
        # the busy timeout), so take the write lock the way begin_write does. Like PostgreSQL's
        # READ COMMITTED, the write then works on the latest committed state.
        if not connection.connection.info.get(_WRITING) and statement.lstrip()[:7].upper() in (
            _WRITES
        ):
            _write_from_here(connection.connection)

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def on_end(connection) -> None:
        connection.connection.info.pop(_WRITING, None)

    # The connection goes back to the pool after its transaction ended (committed or rolled
    # back), and closing it ends any transaction: the queue's turn passes on at either moment.
    @event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection, record) -> None:
        record.info.pop(_WRITING, None)
        _release_write_turn(record.info)

    @event.listens_for(engine, "close")
    def on_close(_dbapi_connection, record) -> None:
        _release_write_turn(record.info)
        descriptor = record.info.pop(_WRITE_LOCK, None)
        if descriptor is not None:
            os.close(descriptor)


_WRITE_LOCK = "workshop_write_lock"
_HOLDS_TURN = "workshop_holds_write_turn"


# In a pooled connection's ``info``: its transaction holds SQLite's write lock.
_WRITING = "workshop_writing"
_WRITES = frozenset(("INSERT ", "UPDATE ", "DELETE ", "REPLACE"))


def _write_from_here(pooled) -> None:
    """End the connection's read transaction, if any, wait for this process's turn to write,
    and begin again holding SQLite's write lock. On the driver's connection: these statements
    must not pass through the statement hook that calls this."""
    info, driver = pooled.info, pooled.driver_connection
    if driver.in_transaction:
        driver.execute("COMMIT")
    descriptor = info.get(_WRITE_LOCK)
    if descriptor is not None and not info.get(_HOLDS_TURN):
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # blocks without holding the GIL
        info[_HOLDS_TURN] = True
    driver.execute("BEGIN IMMEDIATE")
    info[_WRITING] = True


def _release_write_turn(info: dict) -> None:
    if info.pop(_HOLDS_TURN, False):
        fcntl.flock(info[_WRITE_LOCK], fcntl.LOCK_UN)


def begin_write() -> None:
    """Start a fresh transaction that is going to write.

    Ends the request's read transaction first (it must hold no pending changes), so the write
    decisions that follow see the latest committed state and, on SQLite, hold the write lock.
    """
    session = db.session()  # the request's Session behind the scoped proxy
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("begin_write() with unsaved changes in the session")
    if session.get_bind().dialect.name != "sqlite":
        # PostgreSQL (READ COMMITTED) reads the latest committed rows with every statement and
        # locks what it updates; forgetting loaded objects is enough, no round trip needed.
        session.expire_all()
        return
    wanted = _WRITE_WANTED.set(True)
    try:
        connection = session.connection()  # a new transaction here begins IMMEDIATE
        if _WRITE_WANTED.get() and not connection.connection.info.get(_WRITING):
            # The request has only read so far: end that read transaction and take the write
            # lock on the same connection. (A full session commit would hand the connection
            # back to the pool and check it out again, which costs more than a check-in.)
            _write_from_here(connection.connection)
            session.expire_all()
    finally:
        _WRITE_WANTED.reset(wanted)


@contextmanager
def write_transaction() -> Iterator[None]:
    """``begin_write()``, then commit what the block wrote, or roll all of it back if the block
    (or the commit) raises: the shape of every service that changes data."""
    begin_write()
    try:
        yield
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def end_transaction() -> None:
    """End the session's transaction without writing: a read that is done, or a failure whose
    half-made changes must never reach a later commit. Writes end in ``write_transaction``;
    this is the only other place a transaction ends, so that no view rolls back by hand."""
    db.session.rollback()


def database_answers() -> bool:
    """Whether the database answers a trivial query now (for ``GET /healthz``); the read
    transaction is ended either way. A failure is logged with its cause."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: the database does not answer")
        with suppress(Exception):
            end_transaction()
        return False
    end_transaction()
    return True


def _ping_idle_connections(engine: Engine) -> None:
    """Test a pooled connection before use only when it has sat idle for a while.

    A database server may have restarted while the pool held connections; a connection used a
    moment ago is known to be alive, so a busy server (a door checking people in) does not pay a
    round trip per request as ``pool_pre_ping`` would. A dead one is replaced, not returned.
    """

    @event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return  # new (just connected) or used a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error:
            alive = False
        if not alive:
            raise exc.DisconnectionError("idle connection did not answer")  # pool reconnects
