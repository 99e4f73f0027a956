"""The organizer's registrations list for one big workshop, run by hand.

    .venv/bin/python bench/registration_list_bench.py [--registrations 5000] [--repeat 5]
        [--database-url postgresql://postgres@127.0.0.1:5432/NAME]

Builds an SQLite database in a temporary folder (or uses --database-url, whose public schema
is DROPPED and recreated: name a scratch database) with one workshop holding --registrations
registrations (90 % confirmed, the rest waitlisted), bulk-inserted. Then times, best of
--repeat, the list page as the organizer opens it (GET through the test client: query,
template and all) for the first page, a middle page, the last page, a name search and an
e-mail search, and the service call alone (services.registrations.registration_page).
Target (issue 14): every page well under 0.5 s at 5,000 registrations.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.server import bench_app, bench_organizer


def build(app, registrations: int) -> int:
    from flask_migrate import upgrade
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from workshop.extensions import db
    from workshop.models import Registration, User
    from workshop.services.tickets import new_ticket_secret
    from workshop.services.venues import VenueInput, create_venue
    from workshop.services.workshops import SessionInput, WorkshopInput, create_workshop

    with app.app_context():
        upgrade()
        organizer = bench_organizer()
        venue = create_venue(VenueInput(name="หอประชุม", capacity=100_000), organizer)
        start = datetime.now(UTC) + timedelta(days=30)
        workshop = create_workshop(
            WorkshopInput(
                title="ประชุมเชิงปฏิบัติการ",
                organizing_agency="สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก",
                venue_id=venue.id,
                capacity=registrations,
                registration_opens_at=start - timedelta(days=20),
                registration_closes_at=start - timedelta(days=1),
                sessions=[SessionInput(starts_at=start, ends_at=start + timedelta(hours=7))],
            ),
            organizer,
        )
        password_hash = generate_password_hash("bench-password")
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"officer{n}@bench.go.th",
                    "password_hash": password_hash,
                    "role": "officer",
                    "title_prefix": "นาย",
                    "first_name": f"ทดสอบ{n}",
                    "last_name": "ใจดี",
                    "agency": "สำนักงานพัฒนาชุมชนอำเภอวังทอง",
                    "district": "วังทอง",
                    "province": "พิษณุโลก",
                }
                for n in range(registrations)
            ],
        )
        ids = db.session.scalars(select(User.id).where(User.role == "officer")).all()
        confirmed = int(len(ids) * 0.9)
        db.session.execute(
            insert(Registration),
            [
                {
                    "workshop_id": workshop.id,
                    "user_id": user_id,
                    "status": "confirmed" if n < confirmed else "waitlisted",
                    "waitlist_seq": None if n < confirmed else n,
                    "ticket_secret": new_ticket_secret(),
                }
                for n, user_id in enumerate(ids)
            ],
        )
        workshop.confirmed_count = confirmed
        workshop.waitlist_count = len(ids) - confirmed
        db.session.commit()
        return workshop.id


def best(repeat: int, action) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--registrations", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        url = args.database_url or f"sqlite:///{instance / 'bench.db'}"
        if args.database_url:
            from sqlalchemy import create_engine, text

            from workshop.config import normalise_database_url

            engine = create_engine(normalise_database_url(url))
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
        app = bench_app(url, instance, RATELIMIT_ENABLED=False, TESTING=True)
        app.config["WTF_CSRF_ENABLED"] = False
        started = time.perf_counter()
        workshop_id = build(app, args.registrations)
        print(f"built {args.registrations} registrations in {time.perf_counter() - started:.1f} s")

        from workshop.services.registrations import registration_page

        client = app.test_client()
        response = client.post(
            "/auth/login", data={"email": "organizer@bench.go.th", "password": "bench-password"}
        )
        assert response.status_code == 302, response.status_code
        page = f"/organizer/workshops/{workshop_id}/registrations"
        pages = -(-args.registrations // 50)
        cases = {
            "page 1": page,
            f"page {pages // 2}": f"{page}?page={pages // 2}",
            f"page {pages} (last)": f"{page}?page={pages}",
            "search name ทดสอบ4999": f"{page}?q=ทดสอบ4999",
            "search e-mail officer12": f"{page}?q=officer12",
        }
        print(f"{'GET':<28} {'best':>8} {'median':>8}")
        for label, path in cases.items():

            def get(path=path):
                response = client.get(path)
                assert response.status_code == 200

            low, middle = best(args.repeat, get)
            print(f"{label:<28} {low * 1000:7.1f}ms {middle * 1000:7.1f}ms")
        with app.app_context():
            low, middle = best(args.repeat, lambda: registration_page(workshop_id, page=pages // 2))
        print(f"{'service, middle page':<28} {low * 1000:7.1f}ms {middle * 1000:7.1f}ms")


if __name__ == "__main__":
    main()
