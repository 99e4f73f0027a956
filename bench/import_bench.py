"""Importing 5,000 participants from a spreadsheet: preview and confirmation, run by hand.

    .venv/bin/python bench/import_bench.py [--rows 5000] [--existing 1000]
        [--database-url postgresql://postgres@127.0.0.1:5432/NAME]

Builds a database (an SQLite file in a temporary folder, or PostgreSQL when --database-url is
given: its public schema is DROPPED and recreated, so name a scratch database) with a published
workshop of 2,000 seats and --existing officer accounts, and an XLSX file (made by openpyxl) of
--rows people, the existing ones among them. Times, in seconds (wall clock and CPU): reading
the file and the preview (services.imports.read_upload + preview + seal), and the confirmation
(unseal + confirm_import: accounts, seats, waitlist, audit events and notices in one
transaction). Targets (issue 15): preview < 5 s, confirmation < 15 s.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.server import bench_app, bench_organizer, reset_postgres_schema

LETTERS = "กขคงจฉชซญดตถทนบปผพฟภมยรลวศสหอฮ"


def thai_name(n: int) -> str:
    """A distinct name of Thai letters for each n (names hold letters only)."""
    letters = ""
    while True:
        n, digit = divmod(n, len(LETTERS))
        letters += LETTERS[digit]
        if not n:
            return "สม" + letters


def spreadsheet(rows: int) -> bytes:
    from openpyxl import Workbook

    from workshop.services.imports import COLUMNS

    book = Workbook(write_only=True)
    sheet = book.create_sheet("รายชื่อ")
    sheet.append([header for _key, header, _others in COLUMNS])
    districts = ("วังทอง", "นครไทย", "บางระกำ", "พรหมพิราม", "ชาติตระการ")
    for n in range(rows):
        district = districts[n % len(districts)]
        sheet.append(
            [
                "นาย" if n % 2 else "นางสาว",
                thai_name(n),
                "ใจดี",
                "นักวิชาการพัฒนาชุมชน",
                f"สำนักงานพัฒนาชุมชนอำเภอ{district}",
                district,
                f"person{n}@bench.go.th",
                f"08{1 + n % 9}{n % 10_000_000:07d}",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run(database_url: str, instance: Path, rows: int, existing: int) -> dict[str, float]:
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    from workshop.extensions import db
    from workshop.models import Registration, User, Workshop
    from workshop.services.imports import confirm_import, preview, read_upload, seal, unseal
    from workshop.services.venues import VenueInput, create_venue
    from workshop.services.workshops import (
        SessionInput,
        WorkshopInput,
        change_status,
        create_workshop,
    )

    app = bench_app(database_url, instance, MAIL_DELIVERY="manual")
    data = spreadsheet(rows)
    figures: dict[str, float] = {}
    with app.app_context(), app.test_request_context():
        upgrade()
        organizer = bench_organizer()
        venue = create_venue(VenueInput(name="หอประชุม", province="พิษณุโลก", capacity=5000), None)
        now = datetime.now(UTC).replace(microsecond=0)
        start = now + timedelta(days=10)
        workshop = create_workshop(
            WorkshopInput(
                title="อบรมทดสอบการนำเข้ารายชื่อ",
                venue_id=venue.id,
                capacity=2000,
                registration_opens_at=now - timedelta(days=1),
                registration_closes_at=now + timedelta(days=9),
                sessions=[SessionInput(starts_at=start, ends_at=start + timedelta(hours=7))],
            ),
            organizer,
        )
        change_status(workshop, "published", organizer)
        password_hash = generate_password_hash("bench-password", method="pbkdf2:sha256:1")
        db.session.add_all(
            User(
                email=f"person{n}@bench.go.th",
                password_hash=password_hash,
                role="officer",
                first_name=thai_name(n),
                last_name="ใจดี",
            )
            for n in range(0, rows, max(1, rows // max(existing, 1)))
            if existing
        )
        db.session.commit()
        workshop_id, organizer_id = workshop.id, organizer.id
        db.session.remove()

        workshop = db.session.get(Workshop, workshop_id)
        wall, cpu = time.perf_counter(), time.process_time()
        checked = preview(workshop, read_upload("list.xlsx", data))
        token = seal(workshop_id, checked)
        errors = [r for r in checked if r.status == "error"]
        if errors:
            print(
                f"  {len(errors)} rows with errors, e.g. row {errors[0].number}: {errors[0].reason}"
            )
        figures["preview"] = time.perf_counter() - wall
        figures["preview CPU"] = time.process_time() - cpu
        db.session.remove()

        organizer = db.session.get(User, organizer_id)
        wall, cpu = time.perf_counter(), time.process_time()
        result = confirm_import(workshop_id, unseal(workshop_id, token), organizer)
        figures["confirmation"] = time.perf_counter() - wall
        figures["confirmation CPU"] = time.process_time() - cpu
        registered = Registration.query.filter_by(workshop_id=workshop_id).count()
        assert registered == rows, (registered, rows)
        print(
            f"  {result.accounts:,} new accounts, {result.confirmed:,} seats, "
            f"{result.waitlisted:,} waitlisted, {result.skipped:,} skipped; "
            f"file {len(data) / 1024:,.0f} KiB, signed rows {len(token) / 1024:,.0f} KiB"
        )
        db.session.remove()
        db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--existing", type=int, default=1000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.database_url:
            reset_postgres_schema(args.database_url)
            url, name = args.database_url, "PostgreSQL"
        else:
            url, name = f"sqlite:///{Path(tmp) / 'import.db'}", "SQLite"
        print(f"{name}: {args.rows:,} rows, {args.existing:,} with an account already")
        for label, seconds in run(url, Path(tmp), args.rows, args.existing).items():
            print(f"  {label:<18}{seconds:7.2f} s")


if __name__ == "__main__":
    main()
