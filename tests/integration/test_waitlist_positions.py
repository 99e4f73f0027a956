"""Waitlist places in lists stay 1, 2, 3 ... while cancellations promote people.

A place is the rank among those still waiting. Counted in separate queries after the rows had
loaded, a promotion committed in between (PostgreSQL's READ COMMITTED sees it in the next
statement) made two rows show the same place: 17, 18, 18, 19. Places now come from the same
statement as the rows (ROW_NUMBER() over the waitlist order).
"""

from __future__ import annotations

import http.client
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.integration.test_registration_concurrency import bearer_tokens
from tests.support import login, make_officers, make_user, open_workshop
from workshop.extensions import db
from workshop.models import Registration
from workshop.services.registrations import register_officer


@pytest.fixture
def waiting(venue, organizer):
    """A workshop with 3 seats taken and 6 people waiting."""
    workshop = open_workshop(venue, organizer, capacity=3)
    for officer in make_officers(9):
        register_officer(workshop.id, officer)
    return workshop


@contextmanager
def statements_on_registrations() -> Iterator[list[str]]:
    """The SQL statements that read or write registrations, as they run (not the page's list
    of agencies and districts to filter by)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _many):
        if re.search(r"\bregistrations\b", statement) and "users.agency, users.district" not in (
            statement
        ):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def api_places(client, workshop_id: int, token: str) -> list[int]:
    response = client.get(
        f"/api/v1/workshops/{workshop_id}/registrations?status=waitlisted",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.get_json()
    return [row["waitlist_position"] for row in response.get_json()]


def test_places_in_a_list_come_from_the_same_statement_as_the_rows(client, waiting, organizer):
    (token,) = bearer_tokens([organizer])
    with statements_on_registrations() as seen:
        places = api_places(client, waiting.id, token)
    assert places == [1, 2, 3, 4, 5, 6]
    assert len(seen) == 1, seen
    assert "row_number() over" in seen[0].lower()

    login(client, organizer)
    with statements_on_registrations() as seen:
        page = client.get(f"/organizer/workshops/{waiting.id}/registrations")
    assert page.status_code == 200
    assert re.findall(r"รายชื่อสำรอง #(\d+)", page.get_data(as_text=True)) == [
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
    ]
    assert len(seen) == 1, seen


def test_places_ignore_filters_that_leave_people_out(waiting):
    from workshop.services.registrations import registrations_for_workshop

    everyone = registrations_for_workshop(waiting.id, status="waitlisted")
    district = everyone[2].registration.user.district
    some = registrations_for_workshop(waiting.id, status="waitlisted", district=district)

    assert [place for _r, place in some] == [
        place for r, place in everyone if r.user.district == district
    ]
    assert some[0].waitlist_position != 1 or everyone[0].registration.user.district == district


def test_a_promotion_committed_while_a_list_loads_cannot_repeat_a_place(
    app, client, waiting, organizer
):
    """Deterministic: the moment the list's first statement on registrations has run, another
    connection cancels a seat (promoting the first in line) and commits."""
    (token,) = bearer_tokens([organizer])
    organizer_id = organizer.id
    seated = Registration.query.filter_by(workshop_id=waiting.id, status="confirmed").first().id
    db.session.rollback()
    done = threading.Event()
    failures: list[BaseException] = []

    def promote_once(_conn, _cursor, statement, _parameters, _context, _many):
        if done.is_set() or not re.search(r"\bFROM registrations\b", statement):
            return
        done.set()

        def cancel_elsewhere():
            from workshop.models import User
            from workshop.services.registrations import cancel_registration

            with app.app_context():
                try:
                    cancel_registration(seated, db.session.get(User, organizer_id))
                except BaseException as exc:  # reported by the test
                    failures.append(exc)
                db.session.remove()

        other = threading.Thread(target=cancel_elsewhere)
        other.start()
        other.join(timeout=30)
        assert not other.is_alive()

    event.listen(db.engine, "after_cursor_execute", promote_once)
    try:
        places = api_places(client, waiting.id, token)
    finally:
        event.remove(db.engine, "after_cursor_execute", promote_once)

    assert done.is_set() and not failures, failures
    assert places == list(range(1, len(places) + 1)), places
    db.session.rollback()  # the test's session (shared by its requests) reads anew
    assert api_places(client, waiting.id, token) == [1, 2, 3, 4, 5]  # after the promotion


def get_places(port: int, path: str, token: str) -> list[int]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    assert response.status == 200, body
    return [row["waitlist_position"] for row in body]


def cancel(port: int, registration_id: int, token: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request(
        "DELETE",
        f"/api/v1/registrations/{registration_id}",
        headers={"Authorization": f"Bearer {token}"},
    )
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    assert response.status == 200, body
    assert len(body["promoted"]) == 1


def test_lists_fetched_during_promotions_never_repeat_a_place(server, venue, organizer):
    """Real threads through a real server (on PostgreSQL in `make test`): one organizer
    cancels seats one after another (each promotes the first in line) while three others keep
    fetching the waitlist."""
    workshop = open_workshop(venue, organizer, capacity=12)
    for officer in make_officers(40):
        register_officer(workshop.id, officer)
    seated = [
        r.id for r in Registration.query.filter_by(workshop_id=workshop.id, status="confirmed")
    ]
    others = [make_user("organizer", f"reader{n}@example.go.th") for n in range(3)]
    tokens = bearer_tokens([organizer, *others])
    path = f"/api/v1/workshops/{workshop.id}/registrations?status=waitlisted"
    finished = threading.Event()
    fetched: list[list[int]] = []
    failures: list[BaseException] = []

    def read(token: str) -> None:
        try:
            while not finished.is_set():
                fetched.append(get_places(server, path, token))
        except BaseException as exc:  # reported below
            failures.append(exc)

    readers = [threading.Thread(target=read, args=(t,)) for t in tokens[1:]]
    for thread in readers:
        thread.start()
    try:
        for registration_id in seated:
            cancel(server, registration_id, tokens[0])
    finally:
        finished.set()
        for thread in readers:
            thread.join(timeout=60)

    assert not failures, failures[0]
    assert len(fetched) >= len(readers)
    repeated = [places for places in fetched if places != list(range(1, len(places) + 1))]
    assert repeated == [], repeated[:3]
    assert get_places(server, path, tokens[0]) == list(range(1, 40 - 12 - 12 + 1))
