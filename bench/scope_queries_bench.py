"""SQL statements per list page, with 10 and with 1,000 rows: the office rule adds none per row.

    .venv/bin/python bench/scope_queries_bench.py [--rows 10 1000]
        [--database-url postgresql://postgres@127.0.0.1:5432/NAME]

For each row count, builds a database (an SQLite file in a temporary folder, or PostgreSQL when
--database-url is given: its public schema is DROPPED and recreated, so name a scratch
database) with a provincial office, two of its district offices and an office of another
province; ROWS workshops spread over the four, one workshop of a district office with ROWS
registrations, and ROWS audit events. Then an organizer of the provincial office (who sees
three of the four offices) and a door staff member of a district office open each list page
and API list through the test client, and every statement the database receives is counted.
Prints one line per page with the counts for each row count, and exits 1 if any page's count
changes with the number of rows (a query per row).

Not here: the fiscal-year report, which gathers each workshop's figures with a few statements
per workshop (services.reports.fiscal_year_report, as before offices); the office condition is
part of its one query for the workshops.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.server import bench_app, reset_postgres_schema

PASSWORD = "bench-password-2559"
SELECTIN_BATCH = 500


def build(rows: int) -> dict[str, int]:
    """The offices, people, workshops, registrations and events; returns the ids needed."""
    from werkzeug.security import generate_password_hash

    from workshop.extensions import db
    from workshop.models import (
        AuditEvent,
        Registration,
        User,
        Workshop,
        WorkshopSession,
    )
    from workshop.services.offices import OfficeInput, create_office
    from workshop.services.tickets import new_ticket_secret
    from workshop.services.venues import VenueInput, create_venue

    province = create_office(OfficeInput(name="สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก"), None)
    districts = [
        create_office(OfficeInput(name=f"สำนักงานพัฒนาชุมชนอำเภอ{name}", parent_id=province.id), None)
        for name in ("วังทอง", "นครไทย")
    ]
    elsewhere = create_office(OfficeInput(name="สำนักงานพัฒนาชุมชนจังหวัดพิจิตร"), None)
    offices = [province, *districts, elsewhere]
    password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")

    def person(email: str, role: str, office_id: int | None) -> User:
        return User(
            email=email,
            password_hash=password_hash,
            role=role,
            first_name="ทดสอบ",
            last_name=email.split("@")[0],
            office_id=office_id,
        )

    organizer = person("organizer@bench.go.th", "organizer", province.id)
    staff = person("staff@bench.go.th", "staff", districts[0].id)
    db.session.add_all([organizer, staff])
    db.session.commit()
    venue = create_venue(VenueInput(name="หอประชุม", capacity=100_000), organizer)
    start = datetime(2015, 10, 20, 1, 30, tzinfo=UTC)
    workshops = []
    for n in range(rows):
        day = start + timedelta(days=n % 300)
        workshop = Workshop(
            title=f"อบรมรุ่นที่ {n + 1}",
            organizing_agency=offices[n % 4].name,
            office_id=offices[n % 4].id,
            venue_id=venue.id,
            capacity=rows + 1,
            registration_opens_at=day - timedelta(days=30),
            registration_closes_at=day - timedelta(days=1),
            status="published",
            fiscal_year=2559,
            sessions=[WorkshopSession(starts_at=day, ends_at=day + timedelta(hours=7), hours=6)],
        )
        workshops.append(workshop)
    db.session.add_all(workshops)
    db.session.flush()
    big = workshops[1]  # a district office's (offices[1])
    officers = [person(f"officer{n}@bench.go.th", "officer", None) for n in range(rows)]
    db.session.add_all(officers)
    db.session.flush()
    db.session.add_all(
        Registration(
            workshop_id=big.id,
            user_id=officer.id,
            status="confirmed",
            ticket_secret=new_ticket_secret(),
        )
        for officer in officers
    )
    big.confirmed_count = rows
    db.session.add_all(
        AuditEvent(
            actor_id=organizer.id,
            action="workshop.update",
            entity_type="workshops",
            entity_id=workshops[n].id,
            office_id=workshops[n].office_id,
            details={"title": workshops[n].title},
        )
        for n in range(rows)
    )
    db.session.commit()
    return {"organizer": organizer.id, "staff": staff.id, "big": big.id}


def pages(ids: dict[str, int]) -> dict[str, tuple[str, str]]:
    """Page name → (who, path)."""
    big = ids["big"]
    return {
        "organizer workshops": ("organizer", "/organizer/workshops"),
        "organizer registrations": ("organizer", f"/organizer/workshops/{big}/registrations"),
        "audit log": ("organizer", "/organizer/audit"),
        "door: workshops": ("staff", "/checkin"),
        "API workshops": ("organizer-api", "/api/v1/workshops"),
        "API registrations": ("organizer-api", f"/api/v1/workshops/{big}/registrations"),
        "API door roster": ("staff-api", f"/api/v1/workshops/{big}/roster?session_id={{sid}}"),
    }


def count(database_url: str, instance: Path, rows: int, verbose: bool = False) -> dict[str, int]:
    from flask import g, has_app_context
    from flask.testing import FlaskClient
    from flask_migrate import upgrade
    from sqlalchemy import event

    class FreshGlobalsClient(FlaskClient):
        """Each request its own ``g``, as in a server (one app context is held open here)."""

        def open(self, *args, **kwargs):
            if has_app_context():
                g.__dict__.clear()
            return super().open(*args, **kwargs)

    from workshop.extensions import db
    from workshop.models import User, Workshop
    from workshop.services.accounts import issue_api_token

    app = bench_app(
        database_url, instance, TESTING=True, RATELIMIT_ENABLED=False, MAIL_DELIVERY="manual"
    )
    app.test_client_class = FreshGlobalsClient
    counts: dict[str, int] = {}
    with app.app_context():
        upgrade()
        ids = build(rows)
        session_id = db.session.get(Workshop, ids["big"]).sessions[0].id
        clients = {}
        for who in ("organizer", "staff"):
            user = db.session.get(User, ids[who])
            client = app.test_client()
            page = client.get("/auth/login").text
            found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
            token = found.group(1) if found else ""
            signed = client.post(
                "/auth/login", data={"csrf_token": token, "email": user.email, "password": PASSWORD}
            )
            assert signed.status_code == 302, signed.text[-500:]
            clients[who] = (client, {})
            clients[f"{who}-api"] = (
                app.test_client(),
                {"Authorization": f"Bearer {issue_api_token(user, 1)}"},
            )
        db.session.remove()
        statements: list[str] = []

        def seen(_conn, _cursor, statement, *_args) -> None:
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            for name, (who, path) in pages(ids).items():
                client, headers = clients[who]
                client.get(path.format(sid=session_id), headers=headers)  # warm caches
                db.session.remove()
                statements.clear()
                response = client.get(path.format(sid=session_id), headers=headers)
                assert response.status_code == 200, (name, response.status_code)
                counts[name] = len(statements)
                if verbose:
                    print(f"--- {name} ({rows} rows)")
                    for statement in statements:
                        print("   ", " ".join(statement.split())[:150])
                db.session.remove()
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        db.engine.dispose()
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10, 1000])
    parser.add_argument("--database-url")
    parser.add_argument("--verbose", action="store_true", help="print every statement")
    args = parser.parse_args()
    results: dict[int, dict[str, int]] = {}
    for rows in args.rows:
        with tempfile.TemporaryDirectory() as tmp:
            if args.database_url:
                reset_postgres_schema(args.database_url)
                url = args.database_url
            else:
                url = f"sqlite:///{Path(tmp) / 'scope.db'}"
            results[rows] = count(url, Path(tmp), rows, args.verbose)
    names = list(results[args.rows[0]])
    header = "".join(f"{rows:>10,} rows" for rows in args.rows)
    print(f"{'statements per request':<30}{header}")
    fewest = min(args.rows)
    varies = []
    for name in names:
        figures = [results[rows][name] for rows in args.rows]
        print(f"{name:<30}" + "".join(f"{n:>15}" for n in figures))
        # SQLAlchemy's selectinload reads related rows 500 ids at a time: a list of 750
        # workshops reads their sessions in two statements. More than that is per row.
        for rows, n in zip(args.rows, figures, strict=True):
            if n - results[fewest][name] > -(-rows // SELECTIN_BATCH) - 1:
                varies.append(name)
    if varies:
        print("statements grow with the number of rows: " + ", ".join(sorted(set(varies))))
        return 1
    print(
        "no statement per row: the counts differ at most by selectinload's batches of "
        f"{SELECTIN_BATCH} ids"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
