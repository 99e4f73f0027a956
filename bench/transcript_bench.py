"""A transcript (ประวัติการอบรม) of an officer who attended many workshops, run by hand.

    .venv/bin/python bench/transcript_bench.py [--workshops 200] [--repeat 15]
        [--database-url postgresql://postgres@127.0.0.1:5432/NAME]

Builds a database (an SQLite file in a temporary folder; also PostgreSQL when --database-url is
given: its public schema is DROPPED and recreated, so name a scratch database) holding
--workshops past workshops over ten fiscal years, two sessions each (every fifth scans people
out, so hours come from check-in and check-out times), an officer checked in to all of them
(with certificates for half) and 30 other officers in each, bulk-inserted. Then, in a fresh
child process (the Thai word list loaded as wsgi.py does), times the officer's own page and
PDF download through the test client, i.e. whole requests: the first of each (cold), then the
median and best of --repeat warm runs. Targets (issue 16): page < 150 ms, PDF < 300 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.server import bench_app, bench_organizer, measure_in_child, scratch_databases

PAGE_TARGET, PDF_TARGET = 0.150, 0.300
OTHERS = 30  # other officers per workshop
TITLES = (
    "การพัฒนาศักยภาพผู้นำชุมชน",
    "การจัดทำแผนชุมชนแบบมีส่วนร่วม",
    "การส่งเสริมและพัฒนากลุ่มอาชีพ OTOP",
    "การใช้ประโยชน์จากข้อมูล จปฐ.",
    "การบริหารจัดการกองทุนหมู่บ้าน",
    "เศรษฐกิจพอเพียงสู่การปฏิบัติ",
)


def build(database_url: str, instance: Path, workshops: int) -> int:
    """Schema, workshops and check-ins; returns the officer's user id."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from workshop.extensions import db
    from workshop.models import (
        Certificate,
        CheckIn,
        Registration,
        User,
        Venue,
        Workshop,
        WorkshopSession,
    )
    from workshop.services.certificates import new_code
    from workshop.thai.dates import fiscal_year

    app = bench_app(database_url, instance)
    with app.app_context():
        upgrade()
        organizer = bench_organizer()
        venue = Venue(
            name="ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก",
            district="วังทอง",
            province="พิษณุโลก",
            capacity=500,
        )
        db.session.add(venue)
        db.session.flush()
        password_hash = generate_password_hash("bench-password")
        people = [
            {
                "email": f"officer{n}@bench.go.th",
                "password_hash": password_hash,
                "role": "officer",
                "title_prefix": "นางสาว",
                "first_name": "กิ่งแก้ว" if n == 0 else f"ทดสอบ{n}",
                "last_name": "ปิ่นทอง",
                "position": "นักวิชาการพัฒนาชุมชนปฏิบัติการ",
                "agency": "สำนักงานพัฒนาชุมชนอำเภอวังทอง",
                "district": "วังทอง",
                "province": "พิษณุโลก",
                "phone": "",
            }
            for n in range(OTHERS + 1)
        ]
        db.session.execute(insert(User), people)
        user_ids = list(
            db.session.scalars(
                select(User.id).where(User.email.like("officer%@bench.go.th")).order_by(User.id)
            )
        )
        officer_id = user_ids[0]
        first_day = datetime(2016, 10, 4, 1, 30, tzinfo=UTC)  # 08.30 Bangkok, FY 2560
        now = datetime.now(UTC)
        for n in range(workshops):
            start = first_day + timedelta(days=18 * n)
            workshop = Workshop(
                title=f"{TITLES[n % len(TITLES)]} รุ่นที่ {n + 1}",
                office_id=organizer.office_id,
                organizing_agency="สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก",
                venue_id=venue.id,
                capacity=100,
                registration_opens_at=start - timedelta(days=30),
                registration_closes_at=start - timedelta(days=1),
                status="published",
                attendance_rule="hours",
                checkout_enabled=n % 5 == 0,
                fiscal_year=fiscal_year(start),
                confirmed_count=OTHERS + 1,
                created_by_id=organizer.id,
            )
            workshop.sessions = [
                WorkshopSession(
                    title="ภาคเช้า",
                    starts_at=start,
                    ends_at=start + timedelta(hours=3.5),
                    hours=3.5,
                ),
                WorkshopSession(
                    title="ภาคบ่าย",
                    starts_at=start + timedelta(hours=4.5),
                    ends_at=start + timedelta(hours=8),
                    hours=3.5,
                ),
            ]
            db.session.add(workshop)
            db.session.flush()
            db.session.execute(
                insert(Registration),
                [
                    {
                        "workshop_id": workshop.id,
                        "user_id": user_id,
                        "status": "confirmed",
                        "ticket_secret": f"{workshop.id:08d}{user_id:024d}",
                        "created_at": now,
                        "confirmed_at": now,
                    }
                    for user_id in user_ids
                ],
            )
            registrations = dict(
                db.session.execute(
                    select(Registration.user_id, Registration.id).where(
                        Registration.workshop_id == workshop.id
                    )
                ).all()
            )
            checkins = []
            for registration_id in registrations.values():
                for session in workshop.sessions:
                    checkins.append(
                        {
                            "registration_id": registration_id,
                            "session_id": session.id,
                            "scanned_at": session.starts_at - timedelta(minutes=5),
                            "recorded_at": session.starts_at,
                            "checked_out_at": session.ends_at
                            if workshop.checkout_enabled
                            else None,
                            "method": "qr",
                            "override_reason": "",
                        }
                    )
            db.session.execute(insert(CheckIn), checkins)
            if n % 2 == 0:
                db.session.add(
                    Certificate(
                        registration_id=registrations[officer_id],
                        office_id=workshop.office_id,
                        organizing_agency=workshop.organizing_agency,
                        fiscal_year=workshop.fiscal_year,
                        number=n + 1,
                        code=new_code(),
                        issued_on=start.date(),
                    )
                )
        db.session.commit()
        db.engine.dispose()
    return officer_id


def measure(database_url: str, instance: Path, officer_id: int, repeat: int) -> dict:
    """Run in a child process: the officer's page and PDF through the test client."""
    from workshop.models import User
    from workshop.pdf.linebreak import warm_up

    # The form's CSRF token is not what is measured here; the sign-in itself goes through the page.
    app = bench_app(database_url, instance, WTF_CSRF_ENABLED=False)
    warm_up()  # as wsgi.py does when a server worker starts
    client = app.test_client()
    with app.app_context():
        email = app.extensions["sqlalchemy"].session.get(User, officer_id).email
    signed_in = client.post("/auth/login", data={"email": email, "password": "bench-password"})
    assert signed_in.status_code == 302, signed_in.status_code

    def timed(url: str) -> tuple[float, bytes]:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (url, response.status_code)
        return elapsed, response.data

    out: dict = {}
    for key, url in (("page", "/my/transcript"), ("pdf", "/my/transcript.pdf")):
        cold, data = timed(url)
        runs = [timed(url)[0] for _ in range(repeat)]
        out[key] = {
            "cold": cold,
            "median": statistics.median(runs),
            "best": min(runs),
            "kb": len(data) / 1024,
        }
    page = client.get("/my/transcript").get_data(as_text=True)
    out["rows"] = page.count('<td class="title">')
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workshops", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url", help="PostgreSQL scratch database (schema dropped)")
    parser.add_argument("--measure", nargs=3, metavar=("URL", "INSTANCE", "OFFICER"))
    args = parser.parse_args()
    if args.measure:
        url, instance, officer_id = args.measure
        print(json.dumps(measure(url, Path(instance), int(officer_id), args.repeat)))
        return

    with tempfile.TemporaryDirectory(prefix="transcript-bench-") as folder:
        run(args, Path(folder))


def run(args: argparse.Namespace, tmp: Path) -> None:
    """Every database asked for, with its files under ``tmp`` (removed afterwards)."""
    print(
        f"Transcript benchmark: one officer, {args.workshops} workshops, "
        f"median of {args.repeat} warm requests"
    )
    for label, url, instance in scratch_databases(tmp, args.database_url):
        started = time.perf_counter()
        officer_id = build(url, instance, args.workshops)
        setup = time.perf_counter() - started
        figures = measure_in_child(__file__, args.repeat, url, instance, officer_id)
        print(f"{label} (set-up {setup:.1f} s, {figures['rows']} workshops listed):")
        for key, target in (("page", PAGE_TARGET), ("pdf", PDF_TARGET)):
            f = figures[key]
            verdict = "meets" if f["median"] < target else "misses"
            print(
                f"  {key:<5} median {f['median'] * 1000:6.1f} ms  best {f['best'] * 1000:6.1f} ms"
                f"  cold {f['cold'] * 1000:6.1f} ms  {f['kb']:6.0f} KB"
                f"  -> {verdict} the < {target * 1000:.0f} ms target"
            )


if __name__ == "__main__":
    main()
