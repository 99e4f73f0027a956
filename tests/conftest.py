"""Test fixtures: one app per test session on SQLite or, with WORKSHOP_TEST_DATABASE_URL, on
PostgreSQL; the schema is made by the Alembic migrations only, and every test starts empty."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from tests.support import make_user, workshop_input
from workshop import create_app
from workshop.config import normalise_database_url
from workshop.extensions import db
from workshop.models import User, Venue, Workshop
from workshop.services.venues import VenueInput, create_venue
from workshop.services.workshops import create_workshop


def _database_url(tmp: Path) -> str:
    url = os.environ.get("WORKSHOP_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp / 'test.db'}"
    # A clean schema for every run, so a previous run's leftovers cannot hide a migration bug.
    engine = create_engine(normalise_database_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp = tmp_path_factory.mktemp("instance")
    application = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp),
            "DATABASE_URL": _database_url(tmp),
            "SECRET_KEY": "test-secret",
            "MAIL_DELIVERY": "inline",  # mail goes out before the request returns
            # Rate limits and sign-in throttling have their own tests (test_rate_limits.py).
            "RATELIMIT_ENABLED": False,
            # One cheap iteration instead of scrypt: hashing dominated the suite's time.
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
        }
    )
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(app: Flask) -> Iterator[None]:
    """Each test runs inside an app context and leaves no rows behind."""
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table.name}"))
            if conn.dialect.name == "postgresql":
                # Ids start at 1 again, as on SQLite. DELETE and setval instead of TRUNCATE ...
                # RESTART IDENTITY: on these few rows TRUNCATE cost ~0.3 s a test (file work).
                for table in tables:
                    if "id" in table.c and table.c.id.autoincrement is not False:
                        sequence = f"pg_get_serial_sequence('{table.name}', 'id')"
                        conn.execute(text(f"SELECT setval({sequence}, 1, false)"))


class FreshGlobalsClient(FlaskClient):
    """The tests keep one app context open, which Flask would reuse for every request, carrying
    ``g`` (Flask-Login's user, Flask-Babel's locale, the API's user) from one request to the
    next. In production each request has its own ``g``; so here too."""

    def open(self, *args, **kwargs):
        if has_app_context():
            g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture
def server(app: Flask) -> Iterator[int]:
    """The test app on a threaded WSGI server on a free loopback port; yields the port (for
    tests that race many real HTTP requests)."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_port
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = FreshGlobalsClient
    return app.test_client()


@pytest.fixture
def organizer() -> User:
    return make_user(
        "organizer",
        "organizer@example.go.th",
        title_prefix="นาง",
        first_name="สุนันทา",
        last_name="วงศ์ใหญ่",
    )


@pytest.fixture
def staff() -> User:
    return make_user(
        "staff", "staff@example.go.th", title_prefix="นาย", first_name="อนุชา", last_name="มีสุข"
    )


@pytest.fixture
def officer() -> User:
    return make_user("officer", "officer@example.go.th")


@pytest.fixture
def venue(organizer: User) -> Venue:
    return create_venue(
        VenueInput(
            name="ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก",
            address="ตำบลวังทอง",
            district="วังทอง",
            province="พิษณุโลก",
            capacity=120,
        ),
        organizer,
    )


@pytest.fixture
def workshop(venue: Venue, organizer: User) -> Workshop:
    return create_workshop(workshop_input(venue), organizer)
