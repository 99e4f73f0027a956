"""flask backup and flask restore: consistent snapshots under load, retention, refusals."""

from __future__ import annotations

import http.client
import json
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from tests.integration.test_registration_concurrency import bearer_tokens
from tests.support import make_officers, open_workshop
from workshop.extensions import db
from workshop.models import Registration, Venue, Workshop
from workshop.services.backups import list_backups, make_backup, prune_backups


def register(port: int, workshop_id: int, token: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request(
        "POST",
        f"/api/v1/workshops/{workshop_id}/registrations",
        body="{}",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    response = connection.getresponse()
    json.loads(response.read() or b"{}")
    connection.close()
    return response.status


def counters_and_rows(workshop_id: int) -> tuple[tuple[int, int], dict[str, int]]:
    db.session.rollback()
    workshop = db.session.execute(
        select(Workshop.confirmed_count, Workshop.waitlist_count).where(Workshop.id == workshop_id)
    ).one()
    rows = db.session.execute(
        select(Registration.status, func.count())
        .where(Registration.workshop_id == workshop_id)
        .group_by(Registration.status)
    ).all()
    return (workshop.confirmed_count, workshop.waitlist_count), dict(rows)


def test_backup_under_concurrent_registrations_restores_consistent_counters(
    app, server, venue, organizer, tmp_path
):
    workshop = open_workshop(venue, organizer, capacity=20)
    workshop_id = workshop.id
    tokens = bearer_tokens(make_officers(60))
    runner = app.test_cli_runner()

    # Registrations keep arriving while the backup is taken.
    with ThreadPoolExecutor(max_workers=12) as pool:
        futures = [pool.submit(register, server, workshop_id, t) for t in tokens]
        for finished, _ in enumerate(as_completed(futures), start=1):
            if finished == 10:  # some are in before the snapshot, the rest arrive during it
                break
        result = runner.invoke(args=["backup", "--dir", str(tmp_path)])
        statuses = [f.result() for f in futures]
    assert result.exit_code == 0, result.output
    assert statuses == [201] * 60
    (backup,) = list_backups(tmp_path)
    assert f"backup written: {backup.path}" in result.output
    assert backup.path.stat().st_mode & 0o077 == 0  # personal data: owner only

    # After the backup: all 60 are in, and something the backup must not bring back.
    assert counters_and_rows(workshop_id) == ((20, 40), {"confirmed": 20, "waitlisted": 40})
    db.session.add(Venue(name="ห้องหลังสำรอง", capacity=10, province="พิษณุโลก"))
    db.session.commit()

    restored = runner.invoke(args=["restore", str(backup.path), "--yes"])
    assert restored.exit_code == 0, restored.output

    (confirmed, waiting), rows = counters_and_rows(workshop_id)
    assert rows.get("confirmed", 0) == confirmed
    assert rows.get("waitlisted", 0) == waiting
    assert confirmed <= 20
    assert 10 <= confirmed + waiting <= 60
    assert db.session.scalar(select(func.count()).select_from(Venue)) == 1
    # The seat numbering restored with the rows: no two registrations share a waitlist place.
    places = db.session.scalars(
        select(Registration.waitlist_seq).where(Registration.status == "waitlisted")
    ).all()
    assert len(places) == len(set(places))


def test_restore_refuses_a_backup_of_a_newer_release(app, tmp_path):
    backup = make_backup(tmp_path)
    # Pretend the backup came from a release with a migration this code does not know.
    if backup.path.suffix == ".sqlite3":
        import sqlite3

        with sqlite3.connect(backup.path) as conn:
            conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
        result = app.test_cli_runner().invoke(args=["restore", str(backup.path), "--yes"])
        assert result.exit_code == 1
        assert "newer than this release knows" in result.output
    # Either database: a file of the wrong kind is refused before anything is touched.
    wrong = tmp_path / ("x.pgdump" if backup.path.suffix == ".sqlite3" else "x.sqlite3")
    wrong.write_bytes(b"not a backup")
    result = app.test_cli_runner().invoke(args=["restore", str(wrong), "--yes"])
    assert result.exit_code == 1
    assert "is not a backup of a" in result.output
    missing = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "no.file"), "--yes"])
    assert missing.exit_code == 1
    assert "no backup file" in missing.output
    assert db.session.execute(text("SELECT 1")).scalar() == 1  # the database still answers


def test_restore_asks_before_replacing_everything(app, venue, tmp_path):
    backup = make_backup(tmp_path)
    db.session.add(Venue(name="ห้องใหม่", capacity=10, province="พิษณุโลก"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["restore", str(backup.path)], input="n\n")
    assert result.exit_code == 1
    assert "Aborted" in result.output
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Venue)) == 2


def test_retention_deletes_only_old_backups_of_ours_and_keeps_the_newest(app, tmp_path):
    now = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
    for days in (40, 31, 29, 1):
        make_backup(tmp_path, now=now - timedelta(days=days))
    (tmp_path / "notes.txt").write_text("not a backup")
    (tmp_path / "workshop-20200101T000000Z.sqlite3.partial").write_text("interrupted")

    deleted = prune_backups(30, tmp_path, now=now)
    assert sorted(b.created_at for b in deleted) == [now - timedelta(days=40), now - timedelta(31)]
    kept = [b.created_at for b in list_backups(tmp_path)]
    assert kept == [now - timedelta(days=29), now - timedelta(days=1)]
    assert (tmp_path / "notes.txt").exists()

    # Even when every backup is old, the newest one stays.
    assert len(prune_backups(1, tmp_path, now=now + timedelta(days=400))) == 1
    assert [b.created_at for b in list_backups(tmp_path)] == [now - timedelta(days=1)]


def test_two_backups_in_one_second_get_two_files(app, tmp_path):
    moment = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
    first, second = make_backup(tmp_path, now=moment), make_backup(tmp_path, now=moment)
    assert first.path != second.path
    assert {p.name for p in Path(tmp_path).iterdir()} == {first.path.name, second.path.name}


def test_backup_command_applies_keep_days(app, tmp_path):
    old = make_backup(tmp_path, now=datetime.now(UTC) - timedelta(days=10))
    result = app.test_cli_runner().invoke(
        args=["backup", "--dir", str(tmp_path), "--keep-days", "7"]
    )
    assert result.exit_code == 0, result.output
    assert f"deleted (older than 7 days): {old.path.name}" in result.output
    assert len(list_backups(tmp_path)) == 1
