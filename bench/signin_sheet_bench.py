"""Sign-in sheets (ใบลงลายมือชื่อ) of one big session, run by hand.

    .venv/bin/python bench/signin_sheet_bench.py [--people 1000] [--repeat 3]
        [--database-url postgresql://postgres@127.0.0.1:5432/NAME]

Builds a database (an SQLite file in a temporary folder; also PostgreSQL when --database-url is
given: its public schema is DROPPED and recreated, so name a scratch database) holding one
workshop of two sessions with --people confirmed registrations (names, positions and agencies
as in report_bench.py), check-ins for about nine in ten of them and excused absences for a few,
bulk-inserted. Then, in a fresh child process (a worker just started: the Thai word list loaded
as wsgi.py does, fonts and shaping caches empty), times the organizer's download through the
test client, i.e. the whole request (query, Thai collation, PDF): the first sheet of the
process (cold), then the best of --repeat warm runs of the sheet before the event (20 blank
rows for walk-ins) and after it (check-in times and excuses). Prints seconds (wall clock and
the CPU time of that run), pages and size. Target (issue 16): under 3 s for 1,000 people.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report_bench import DISTRICTS, FIRST, LAST, POSITIONS
from bench.server import (
    bench_app,
    bench_organizer,
    measure_in_child,
    reference_workshop,
    scratch_databases,
    seat_everyone,
)

TARGET_SECONDS = 3.0


def build(database_url: str, instance: Path, people: int) -> tuple[int, int]:
    """Schema and one workshop with ``people`` confirmed; returns (workshop id, session id)."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from workshop.extensions import db
    from workshop.models import CheckIn, ExcusedAbsence, Registration, User, Workshop
    from workshop.services.venues import VenueInput, create_venue

    app = bench_app(database_url, instance)
    rnd = random.Random(2559)
    with app.app_context():
        upgrade()
        organizer = bench_organizer()
        venue = create_venue(
            VenueInput(
                name="หอประชุมศาลากลางจังหวัดพิษณุโลก",
                district="เมืองพิษณุโลก",
                province="พิษณุโลก",
                capacity=100_000,
            ),
            organizer,
        )
        start = datetime(2015, 10, 20, 1, 30, tzinfo=UTC)  # 08.30 Bangkok
        workshop = reference_workshop(venue.id, start, people, organizer)
        workshop_id, session_id = workshop.id, workshop.sessions[0].id
        password_hash = generate_password_hash("bench-password")
        users = []
        for n in range(people):
            district = DISTRICTS[min(int(rnd.expovariate(0.3)), len(DISTRICTS) - 1)]
            users.append(
                {
                    "email": f"officer{n}@bench.go.th",
                    "password_hash": password_hash,
                    "role": "officer",
                    "title_prefix": rnd.choice(("นาย", "นาง", "นางสาว")),
                    "first_name": f"{rnd.choice(FIRST)}{n}",
                    "last_name": rnd.choice(LAST),
                    "position": rnd.choice(POSITIONS),
                    "agency": f"สำนักงานพัฒนาชุมชนอำเภอ{district}",
                    "district": district,
                    "province": "พิษณุโลก",
                    "phone": "",
                }
            )
        db.session.execute(insert(User), users)
        user_ids = list(db.session.scalars(select(User.id).where(User.email.like("%@bench.go.th"))))
        seat_everyone(workshop_id, user_ids)
        now = datetime.now(UTC)
        checkins, excuses = [], []
        for registration_id in db.session.scalars(
            select(Registration.id).where(Registration.workshop_id == workshop_id)
        ):
            p = rnd.random()
            if p < 0.9:
                scanned = start - timedelta(minutes=rnd.randrange(40))
                checkins.append(
                    {
                        "registration_id": registration_id,
                        "session_id": session_id,
                        "scanned_at": scanned,
                        "recorded_at": scanned,
                        "method": "qr",
                        "override_reason": "",
                    }
                )
            elif p < 0.93:
                excuses.append(
                    {
                        "registration_id": registration_id,
                        "session_id": session_id,
                        "kind": "official_duty",
                        "reason": "ตามคำสั่งจังหวัดพิษณุโลก",
                        "recorded_at": now,
                    }
                )
        for model, rows in ((CheckIn, checkins), (ExcusedAbsence, excuses)):
            if rows:  # an empty list would insert one row of defaults
                db.session.execute(insert(model), rows)
        db.session.get(Workshop, workshop_id).confirmed_count = people
        db.session.commit()
        db.engine.dispose()
    return workshop_id, session_id


CPU: dict[str, float] = {}


def _best(key: str, fn, repeat: int) -> tuple[float, object]:
    best, result = None, None
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall = time.perf_counter() - started
        if best is None or wall < best:
            best, CPU[key] = wall, time.process_time() - cpu
    return best or 0.0, result


def measure(database_url: str, instance: Path, workshop_id: int, session_id: int, repeat: int):
    """Run in a child process: the organizer's downloads through the test client."""
    import io

    from pypdf import PdfReader

    from workshop.pdf.linebreak import warm_up

    # The form's CSRF token is not what is measured here; the sign-in itself goes through the page.
    app = bench_app(database_url, instance, WTF_CSRF_ENABLED=False)
    warm_up()  # as wsgi.py does when a server worker starts
    client = app.test_client()
    signed_in = client.post(
        "/auth/login", data={"email": "organizer@bench.go.th", "password": "bench-password"}
    )
    assert signed_in.status_code == 302, signed_in.status_code
    url = f"/organizer/workshops/{workshop_id}/sessions/{session_id}/signin-sheet.pdf"

    def get(query: str) -> bytes:
        response = client.get(url + query)
        assert response.status_code == 200, response.status_code
        return response.data

    out: dict = {}
    out["cold (first sheet of a worker)"], _ = _best(
        "cold (first sheet of a worker)", lambda: get("?blank=20"), 1
    )
    out["before the event, 20 blank rows"], before = _best(
        "before the event, 20 blank rows", lambda: get("?blank=20"), repeat
    )
    out["after the event, with times"], after = _best(
        "after the event, with times", lambda: get("?times=1"), repeat
    )
    out["cpu"] = CPU
    out["pages"] = len(PdfReader(io.BytesIO(before)).pages)
    out["pages_after"] = len(PdfReader(io.BytesIO(after)).pages)
    out["kb"] = len(before) / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", help="PostgreSQL scratch database (schema dropped)")
    parser.add_argument("--measure", nargs=4, metavar=("URL", "INSTANCE", "WORKSHOP", "SESSION"))
    args = parser.parse_args()
    if args.measure:
        url, instance, workshop_id, session_id = args.measure
        figures = measure(url, Path(instance), int(workshop_id), int(session_id), args.repeat)
        print(json.dumps(figures))
        return

    # Everything the run writes (the SQLite database, each instance folder) lives in one
    # temporary folder that is removed at the end, also when the run fails.
    with tempfile.TemporaryDirectory(prefix="signin-bench-") as folder:
        run(args, Path(folder))


def run(args: argparse.Namespace, tmp: Path) -> None:
    print(f"Sign-in sheet benchmark: one session of {args.people:,} people, best of {args.repeat}")
    for label, url, instance in scratch_databases(tmp, args.database_url):
        started = time.perf_counter()
        workshop_id, session_id = build(url, instance, args.people)
        setup = time.perf_counter() - started
        figures = measure_in_child(__file__, args.repeat, url, instance, workshop_id, session_id)
        print(f"{label} (set-up {setup:.1f} s):")
        keys = (
            "cold (first sheet of a worker)",
            "before the event, 20 blank rows",
            "after the event, with times",
        )
        for key in keys:
            print(f"  {key:<34} {figures[key]:6.2f} s   (CPU {figures['cpu'][key]:5.2f} s)")
        print(
            f"  {figures['pages']} pages before, {figures['pages_after']} after; "
            f"{figures['kb']:.0f} KB"
        )
        worst = max(figures[key] for key in keys)
        verdict = "meets" if worst < TARGET_SECONDS else "misses"
        print(f"  slowest {worst:.2f} s -> {verdict} the < {TARGET_SECONDS:.0f} s target")


if __name__ == "__main__":
    main()
