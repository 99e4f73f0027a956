"""Backups of the whole database into timestamped files, and restoring one of them.

SQLite: the online backup API copies one consistent snapshot (a read transaction, which in WAL
mode does not stop the workers writing) into a single self-contained file.
PostgreSQL: ``pg_dump`` in its custom format, which also reads one snapshot, so seat counters
and registration rows in a backup always agree; ``pg_restore`` puts it back.

A backup is written under a ``.partial`` name and renamed when complete, so an interrupted run
never leaves a file that looks like a good backup. Retention removes only files of our own
naming pattern, and never the newest one.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy.engine import URL, make_url

from workshop.extensions import db
from workshop.services.errors import DomainError

SQLITE_SUFFIX = ".sqlite3"
POSTGRES_SUFFIX = ".pgdump"
_NAME = re.compile(r"^workshop-(\d{8}T\d{6}Z)(?:-\d+)?\.(sqlite3|pgdump)$")
_STAMP = "%Y%m%dT%H%M%SZ"
# pg_restore waits at most this long for a table that a running worker still uses, then fails
# with a clear message instead of hanging.
RESTORE_LOCK_TIMEOUT = "30s"


class BackupError(DomainError):
    code = "backup_failed"


@dataclass(frozen=True)
class BackupFile:
    path: Path
    created_at: datetime  # UTC, from the file name

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def backup_directory() -> Path:
    configured = current_app.config.get("BACKUP_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "backups"


def _database_url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def make_backup(directory: Path | None = None, now: datetime | None = None) -> BackupFile:
    """Write a backup of the configured database into ``directory`` and return it."""
    directory = directory or backup_directory()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    url = _database_url()
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    suffix = SQLITE_SUFFIX if url.get_backend_name() == "sqlite" else POSTGRES_SUFFIX
    target = _free_name(directory, moment, suffix)
    partial = target.with_name(target.name + ".partial")
    try:
        if suffix == SQLITE_SUFFIX:
            _sqlite_backup(_sqlite_path(url), partial)
        else:
            _run(["pg_dump", "--format=custom", "--no-owner", f"--file={partial}"], url)
        os.chmod(partial, 0o600)  # personal data: readable by the service account only
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupFile(target, moment)


def _free_name(directory: Path, moment: datetime, suffix: str) -> Path:
    """``workshop-<UTC stamp>.<suffix>``, numbered when two backups fall in one second."""
    stem = f"workshop-{moment.strftime(_STAMP)}"
    candidate, number = directory / f"{stem}{suffix}", 1
    while candidate.exists():
        number += 1
        candidate = directory / f"{stem}-{number}{suffix}"
    return candidate


def list_backups(directory: Path | None = None) -> list[BackupFile]:
    """The backups in ``directory``, oldest first (other files there are ignored)."""
    directory = directory or backup_directory()
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = _NAME.match(path.name)
        if match and path.is_file():
            stamp = datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)
            found.append(BackupFile(path, stamp))
    return sorted(found, key=lambda b: (b.created_at, b.path.name))


def prune_backups(
    keep_days: int, directory: Path | None = None, now: datetime | None = None
) -> list[BackupFile]:
    """Delete backups older than ``keep_days``, always keeping the newest; return the deleted."""
    backups = list_backups(directory)
    cutoff = (now or datetime.now(UTC)) - timedelta(days=keep_days)
    expired = [b for b in backups[:-1] if b.created_at < cutoff]
    for backup in expired:
        backup.path.unlink(missing_ok=True)
    return expired


def restore_backup(path: Path) -> None:
    """Replace the configured database's contents with the backup at ``path``.

    Run it with the application stopped: on PostgreSQL a worker that still holds a table makes
    the restore fail after RESTORE_LOCK_TIMEOUT (nothing is changed then, it runs as one
    transaction); on SQLite the copy waits for the write lock, as a worker's write would.
    """
    if not path.is_file():
        raise BackupError(f"no backup file at {path}")
    url = _database_url()
    sqlite = url.get_backend_name() == "sqlite"
    if sqlite != (path.suffix == SQLITE_SUFFIX):
        kind = "SQLite" if sqlite else "PostgreSQL"
        raise BackupError(f"{path.name} is not a backup of a {kind} database")
    _refuse_newer_schema(_sqlite_revision(path) if sqlite else _pgdump_revision(path, url))
    # Our own pooled connections would hold tables (PostgreSQL) or stale pages (SQLite).
    db.session.remove()
    db.engine.dispose()
    if sqlite:
        _sqlite_restore(path, _sqlite_path(url))
    else:
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                str(path),
            ],
            url,
            extra_env={"PGOPTIONS": f"-c lock_timeout={RESTORE_LOCK_TIMEOUT}"},
        )
    db.engine.dispose()


def _refuse_newer_schema(revision: str | None) -> None:
    """A backup made by a newer release cannot be read by this code; an older one can, after
    ``flask db upgrade``."""
    from alembic.script import ScriptDirectory

    from workshop.extensions import migrate

    script = ScriptDirectory.from_config(migrate.get_config())
    known = {rev.revision for rev in script.walk_revisions()}
    if revision is None:
        raise BackupError("the backup holds no schema version: is it a backup of this system?")
    if revision not in known:
        raise BackupError(
            f"the backup's schema version {revision} is newer than this release knows; "
            "restore it with the release that made it"
        )


# -- SQLite -----------------------------------------------------------------------------------


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _sqlite_backup(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # all pages in one step: one read snapshot
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
        problem = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if problem != "ok":
            raise BackupError(f"the backup copy failed its integrity check: {problem}")
    finally:
        dst.close()
        src.close()
    with open(target, "rb") as handle:
        os.fsync(handle.fileno())


def _sqlite_revision(path: Path) -> str | None:
    try:
        with _closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path.name} is not a readable SQLite backup: {exc}") from exc
    return row[0] if row else None


def _sqlite_restore(backup: Path, database: Path) -> None:
    with (
        _sqlite_write_turn(database),
        _closing(sqlite3.connect(backup)) as src,
        _closing(sqlite3.connect(database, timeout=30)) as dst,
    ):
        src.backup(dst)


@contextmanager
def _sqlite_write_turn(database: Path) -> Iterator[None]:
    """Queue on the workers' write-lock file (services.transactions), so running workers'
    writes wait for the restore instead of failing."""
    descriptor = os.open(f"{database}.write-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock


@contextmanager
def _closing(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    try:
        yield connection
    finally:
        connection.close()


# -- PostgreSQL -------------------------------------------------------------------------------


def _pgdump_revision(path: Path, url: URL) -> str | None:
    """The alembic revision stored in a pg_dump archive (its alembic_version table's data)."""
    listing = _run(["pg_restore", "--list", str(path)], url, connect=False)
    if " alembic_version " not in listing:
        return None
    data = _run(
        ["pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(path)],
        url,
        connect=False,
    )
    lines = data.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and index + 1 < len(lines):
            value = lines[index + 1].strip()
            return None if value == "\\." else value
    return None


def _run(
    command: list[str],
    url: URL,
    *,
    connect: bool = True,
    extra_env: dict[str, str] | None = None,
) -> str:
    """Run a PostgreSQL client program against ``url`` (the password goes through the
    environment, never the command line, where other local users could read it)."""
    program = command[0]
    if shutil.which(program) is None:
        raise BackupError(
            f"{program} is not installed: install the PostgreSQL client "
            "(Debian: apt-get install postgresql-client) of the server's major version"
        )
    env = {**os.environ, **(extra_env or {})}
    if connect:
        if url.password is not None:
            env["PGPASSWORD"] = str(url.password)
        libpq = url.set(drivername="postgresql", password=None)
        command = [*command, f"--dbname={libpq.render_as_string(hide_password=False)}"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()
        raise BackupError(f"{program} failed: {detail[-1] if detail else result.returncode}")
    return result.stdout
