"""Capacity holds when many officers register at the same moment through a real HTTP server."""

import http.client
import json
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from tests.support import make_officers, open_workshop
from workshop.extensions import db
from workshop.models import ApiToken, Registration, Workshop
from workshop.models.types import utcnow
from workshop.services.accounts import _digest


def bearer_tokens(officers) -> list[str]:
    from datetime import timedelta

    tokens = [f"concurrency-token-{o.id}" for o in officers]
    db.session.add_all(
        ApiToken(user_id=o.id, digest=_digest(t), expires_at=utcnow() + timedelta(hours=1))
        for o, t in zip(officers, tokens, strict=True)
    )
    db.session.commit()
    return tokens


def post(port: int, path: str, token: str, start: threading.Barrier) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    start.wait()
    connection.request(
        "POST",
        path,
        body="{}",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    response = connection.getresponse()
    body = json.loads(response.read() or b"{}")
    connection.close()
    return response.status, body


def test_200_parallel_registrations_for_50_seats(server, venue, organizer):
    workshop = open_workshop(venue, organizer, capacity=50)
    officers = make_officers(200)
    tokens = bearer_tokens(officers)
    path = f"/api/v1/workshops/{workshop.id}/registrations"
    start = threading.Barrier(len(tokens))
    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        results = list(pool.map(lambda t: post(server, path, t, start), tokens))

    assert [status for status, _ in results] == [201] * 200, [b for s, b in results if s != 201][:3]
    statuses = [body["status"] for _, body in results]
    assert statuses.count("confirmed") == 50
    assert statuses.count("waitlisted") == 150
    positions = sorted(
        body["waitlist_position"] for _, body in results if body["status"] == "waitlisted"
    )
    assert positions == list(range(1, 151))

    db.session.rollback()  # end the read snapshot taken before the requests
    rows = db.session.execute(
        select(Registration.status, func.count()).group_by(Registration.status)
    ).all()
    assert dict(rows) == {"confirmed": 50, "waitlisted": 150}
    sequence = sorted(
        db.session.scalars(
            select(Registration.waitlist_seq).where(Registration.status == "waitlisted")
        )
    )
    assert sequence == list(range(1, 151))
    stored = db.session.get(Workshop, workshop.id)
    assert (stored.confirmed_count, stored.waitlist_count) == (50, 150)


def test_same_officer_twice_at_once_gets_one_registration(server, venue, organizer):
    workshop = open_workshop(venue, organizer, capacity=50)
    (officer,) = make_officers(1)
    (token,) = bearer_tokens([officer])
    path = f"/api/v1/workshops/{workshop.id}/registrations"
    start = threading.Barrier(10)
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda _: post(server, path, token, start), range(10)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 9
    assert {b["error"]["code"] for s, b in results if s == 409} == {"already_registered"}
    db.session.rollback()  # end the read snapshot taken before the requests
    assert Registration.query.count() == 1
    assert db.session.get(Workshop, workshop.id).confirmed_count == 1


def nominate_one(port: int, path: str, n: int, start: threading.Barrier) -> int:
    """An office head's browser: open the nomination page (session cookie and CSRF token),
    wait for everyone, then name one new person."""
    import re
    from urllib.parse import urlencode

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", path)
    response = connection.getresponse()
    html = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    body = urlencode(
        {
            "csrf_token": token,
            "rows-0-title_prefix": "นาย",
            "rows-0-first_name": "สมหมาย",
            "rows-0-last_name": "ใจงาม",
            "rows-0-position": "นักวิชาการพัฒนาชุมชน",
            "rows-0-email": f"nominee{n}@example.go.th",
        }
    )
    start.wait()
    connection.request(
        "POST",
        path,
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    status = connection.getresponse()
    status.read()
    connection.close()
    return status.status


def test_200_parallel_registrations_with_office_quotas(server, venue, organizer):
    """200 officers through the API and 30 nominations (15 per office, quotas of 10) at once:
    no office over its quota, the pool gets only the seats not held, nobody over capacity."""
    from tests.support import make_office
    from workshop.models import WorkshopQuota
    from workshop.services.quotas import create_nomination_link, set_quotas

    province = make_office()
    offices = [
        make_office(f"สำนักงานพัฒนาชุมชนอำเภอ{name}", parent_id=province.id)
        for name in ("วังทอง", "นครไทย")
    ]
    workshop = open_workshop(venue, organizer, capacity=50)
    set_quotas(workshop.id, {o.id: "10" for o in offices}, None, organizer)
    links = [
        create_nomination_link(
            workshop.id, o.id, head_name="", head_email="", days=3, actor=organizer
        )[1]
        for o in offices
    ]
    officers = make_officers(200)
    tokens = bearer_tokens(officers)
    path = f"/api/v1/workshops/{workshop.id}/registrations"
    start = threading.Barrier(len(tokens) + 30)
    with ThreadPoolExecutor(max_workers=len(tokens) + 30) as pool:
        nominations = [
            pool.submit(nominate_one, server, f"/nominate/{links[n % 2]}", n, start)
            for n in range(30)
        ]
        results = list(pool.map(lambda t: post(server, path, t, start), tokens))
        nominated = [f.result() for f in nominations]

    assert sorted(nominated) == [302] * 20 + [422] * 10  # 10 per office seated, 5 refused each
    assert [status for status, _ in results] == [201] * 200
    statuses = [body["status"] for _, body in results]
    assert statuses.count("confirmed") == 30  # capacity less the 20 quota seats
    assert statuses.count("waitlisted") == 170

    db.session.rollback()
    per_quota = dict(
        db.session.execute(
            select(Registration.quota_id, func.count())
            .where(Registration.status == "confirmed")
            .group_by(Registration.quota_id)
        ).all()
    )
    quotas = {q.id: q for q in db.session.scalars(select(WorkshopQuota))}
    assert sorted(per_quota.get(q, 0) for q in quotas) == [10, 10]
    assert all(q.filled == q.seats == 10 for q in quotas.values())
    assert per_quota[None] == 30
    stored = db.session.get(Workshop, workshop.id)
    assert (stored.confirmed_count, stored.waitlist_count, stored.reserved_unfilled) == (50, 170, 0)
    confirmed = db.session.scalar(
        select(func.count()).select_from(Registration).where(Registration.status == "confirmed")
    )
    assert confirmed == 50
