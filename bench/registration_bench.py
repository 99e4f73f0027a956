"""Registration throughput against gunicorn (4 workers), beside a hello-world on the same server.

    .venv/bin/python bench/registration_bench.py [--db sqlite|postgresql|both] [--seconds 10]

For each database: a fresh schema, one published workshop with 1,000 seats (later registrations
are waitlisted, so both paths are measured), enough officers with API tokens for every request,
then wrk with 32 connections: first GET /bench/hello, then POST /workshops/{id}/registrations
with a different officer's token on each request. The confirmation mails are queued but sent by
a separate sender (MAIL_DELIVERY=manual), so the figures are the registration itself; the cost
of building one notice and of a ticket QR code are timed apart. Client and server share this
machine's cores.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.server import (
    bench_app,
    bench_arguments,
    bench_organizer,
    each_database,
    gunicorn,
    officer_batches,
    open_window,
    print_row,
    run_wrk,
)

CONNECTIONS = 32
OFFICERS = 40_000


def prepare(
    database_url: str, instance: Path, capacity: int = 1000, officers: int = OFFICERS
) -> int:
    """Schema, a workshop open for registration, officers with tokens bench-<n>; returns its id."""
    from flask_migrate import upgrade

    from workshop.extensions import db
    from workshop.models import ApiToken
    from workshop.models.types import utcnow
    from workshop.services.accounts import _digest
    from workshop.services.venues import VenueInput, create_venue
    from workshop.services.workshops import (
        SessionInput,
        WorkshopInput,
        change_status,
        create_workshop,
    )

    app = bench_app(database_url, instance)
    with app.app_context():
        upgrade()
        organizer = bench_organizer()
        venue = create_venue(VenueInput(name="หอประชุม", capacity=100_000), organizer)
        opens, closes, start = open_window()
        workshop = create_workshop(
            WorkshopInput(
                title="อบรมทดสอบความเร็ว",
                organizing_agency="สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก",
                venue_id=venue.id,
                capacity=capacity,
                registration_opens_at=opens,
                registration_closes_at=closes,
                sessions=[SessionInput(starts_at=start, ends_at=start + timedelta(hours=3))],
            ),
            organizer,
        )
        change_status(workshop, "published", organizer)
        expires = utcnow() + timedelta(days=1)
        for first, users in officer_batches(officers):
            db.session.add_all(
                ApiToken(user_id=u.id, digest=_digest(f"bench-{n}"), expires_at=expires)
                for n, u in enumerate(users, start=first)
            )
            db.session.commit()
        workshop_id = workshop.id
        db.engine.dispose()
    return workshop_id


REGISTER_LUA = """
local counter = 0
local threads = {}
setup = function(thread)
  thread:set("offset", #threads * 10000)
  table.insert(threads, thread)
end
request = function()
  counter = counter + 1
  return wrk.format("POST", nil, {
    ["Authorization"] = "Bearer bench-" .. (offset + counter),
    ["Content-Type"] = "application/json"}, "{}")
end
"""


def qr_costs() -> None:
    import io

    from qrcode.image.pil import PilImage
    from qrcode.image.svg import SvgPathImage

    from workshop.qr import _make

    token = "T1AAAAAAN57IYLOIQD44THRQLD563N632E6N3A"
    for label, factory in (("PNG", PilImage), ("SVG", SvgPathImage)):
        count = 300
        started = time.perf_counter()
        for _ in range(count):
            _make(token, factory, 10).save(io.BytesIO())
        per = (time.perf_counter() - started) / count * 1000
        print(f"  QR {label} per ticket (uncached): {per:.2f} ms")


def notice_cost() -> None:
    """Build and serialise confirmation mails (QR image, calendar, Thai headers) in process."""
    from workshop.services.mail import build_registration_notice

    with tempfile.TemporaryDirectory(prefix="bench-mail-") as tmp:
        instance = Path(tmp)
        url = f"sqlite:///{instance / 'mail.db'}"
        workshop_id = prepare(url, instance)
        app = bench_app(url, instance, MAIL_DELIVERY="manual")
        from workshop.models import User
        from workshop.services.registrations import register_officer

        with app.app_context():
            officers = User.query.filter_by(role="officer").limit(50).all()
            registrations = [register_officer(workshop_id, o) for o in officers]
            started = time.perf_counter()
            for registration in registrations:
                build_registration_notice(registration, "confirmed").as_bytes()
            per = (time.perf_counter() - started) / len(registrations) * 1000
            print(f"  confirmation mail built and serialised (in process): {per:.1f} ms per notice")


def main() -> None:
    args = bench_arguments(__doc__)
    print(
        f"Registration benchmark: gunicorn 4 workers, wrk {CONNECTIONS} connections, "
        f"{args.seconds} s each"
    )
    for label, url, instance in each_database(args.db):
        workshop_id = prepare(url, instance)
        print(f"{label}:")
        with gunicorn(url, instance, MAIL_DELIVERY="manual") as base:
            hello = run_wrk(f"{base}/bench/hello", args.seconds, CONNECTIONS)
            print_row("GET /bench/hello", hello)
            register = run_wrk(
                f"{base}/api/v1/workshops/{workshop_id}/registrations",
                args.seconds,
                CONNECTIONS,
                REGISTER_LUA,
            )
            print_row("POST registration", register)
            print(f"  registration / hello: {register['rps'] / hello['rps']:.2f}")
        check(url, instance, workshop_id, register["requests"] - register["non2xx"])
    qr_costs()
    notice_cost()


def check(database_url: str, instance: Path, workshop_id: int, created: int) -> None:
    """The run must leave at most 1,000 confirmed and every 201 stored."""
    from sqlalchemy import func, select

    from workshop.extensions import db
    from workshop.models import Registration, Workshop

    app = bench_app(database_url, instance)
    with app.app_context():
        rows = dict(
            db.session.execute(
                select(Registration.status, func.count()).group_by(Registration.status)
            ).all()
        )
        workshop = db.session.get(Workshop, workshop_id)
        print(
            f"  stored: {rows}; counters confirmed={workshop.confirmed_count} "
            f"waitlisted={workshop.waitlist_count}; 201 responses={created}"
        )
        assert rows.get("confirmed", 0) <= workshop.capacity
        db.engine.dispose()


if __name__ == "__main__":
    main()
