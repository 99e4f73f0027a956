"""Every migration can be undone and redone: a release can be rolled back on either database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from workshop import create_app
from workshop.extensions import db

SCHEMA = "migration_round_trip"


@pytest.fixture
def empty_database(app: Flask, tmp_path: Path) -> Iterator[Flask]:
    """An app on a database of its own with no tables: a SQLite file, or a PostgreSQL schema
    of the test database that the connections put first on their search path."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        target = f"sqlite:///{tmp_path / 'migrations.db'}"
    else:
        with db.engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        target = url.update_query_dict({"options": f"-csearch_path={SCHEMA}"}).render_as_string(
            hide_password=False
        )
    other = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": target,
            "SECRET_KEY": "test-secret",
            "RATELIMIT_ENABLED": False,
            "MAIL_DELIVERY": "manual",  # no sender thread writing while the schema changes
        }
    )
    yield other
    with other.app_context():
        db.engine.dispose()
    if url.get_backend_name() != "sqlite":
        with db.engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))


def _revisions(application: Flask) -> list[str]:
    config = application.extensions["migrate"].migrate.get_config()
    script = ScriptDirectory.from_config(config)
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def _tables() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def test_every_migration_steps_down_and_up_again(empty_database: Flask):
    with empty_database.app_context():
        revisions = _revisions(empty_database)
        assert revisions[0] == "0001" and len(revisions) >= 7
        for revision in revisions:
            upgrade(revision=revision)
            after_upgrade = _tables()
            downgrade(revision="-1")
            upgrade(revision=revision)
            assert _tables() == after_upgrade, revision
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        assert _tables() <= {"alembic_version"}


def test_images_uploaded_before_0009_lose_their_metadata(empty_database: Flask):
    """0009_edit_versions re-encodes stored certificate images as uploads are now (no EXIF)."""
    import io

    from PIL import Image

    from tests.integration.test_certificate_pages import jpeg_with_metadata
    from tests.support import make_office, workshop_input
    from workshop.models import CertificateImage
    from workshop.services.venues import VenueInput, create_venue
    from workshop.services.workshops import create_workshop

    with empty_database.app_context():
        upgrade()
        venue = create_venue(VenueInput(name="ห้องประชุม", capacity=50), None)
        office = make_office()
        workshop = create_workshop(workshop_input(venue, capacity=50, office_id=office.id), None)
        raw = jpeg_with_metadata(160, 80, orientation=6)
        db.session.add(
            CertificateImage(
                workshop_id=workshop.id,
                kind="logo",
                content_type="image/jpeg",
                data=raw,
                width=160,
                height=80,
            )
        )
        db.session.commit()
        db.session.remove()
        downgrade(revision="0009_edit_versions-1")  # to just before the re-encoding
        upgrade()

        image = db.session.scalars(db.select(CertificateImage)).one()
        assert b"Exif" in raw and b"Exif" not in image.data
        assert (image.width, image.height) == (80, 160)
        assert dict(Image.open(io.BytesIO(image.data)).getexif()) == {}
        db.session.remove()
        downgrade(revision="base")


def _insert(table: str, **values: object) -> int:
    """A row written with plain SQL, as the schema before a migration holds it."""
    names = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    return db.session.execute(
        text(f"INSERT INTO {table} ({names}) VALUES ({marks}) RETURNING id"), values
    ).scalar_one()


def test_0010_maps_agency_texts_to_offices_and_keeps_certificate_numbers(empty_database: Flask):
    """Two agency texts of one office (a doubled space, a trailing space) become one office;
    officer1's two "3/2559" keep their numbers, and the office's series goes on at 4."""
    from tests.support import finished_workshop, seat
    from workshop.models import Certificate, CertificateCounter, Office, User, Workshop
    from workshop.services.certificates import issue_certificate

    province = "สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก"
    now = "2015-10-01 00:00:00"
    with empty_database.app_context():
        upgrade(revision="0010_certificate_design")  # just before 0010_offices
        person = {
            "password_hash": "x",
            "title_prefix": "",
            "last_name": "",
            "position": "",
            "district": "",
            "province": "",
            "phone": "",
            "active": True,
            "created_at": now,
        }
        organizer = _insert(
            "users",
            email="o@example.go.th",
            role="organizer",
            first_name="ผู้จัด",
            agency=province,
            **person,
        )
        officer = _insert(
            "users",
            email="officer1@example.go.th",
            role="officer",
            first_name="กิ่งแก้ว",
            agency="สำนักงานพัฒนาชุมชนอำเภอวังทอง",
            **person,
        )
        venue = _insert(
            "venues",
            name="ศูนย์",
            address="",
            district="",
            province="",
            capacity=50,
            created_at=now,
        )
        series = {}
        for n, agency in enumerate(
            (province, "สำนักงานพัฒนาชุมชนจังหวัด  พิษณุโลก ", "สำนักงานพัฒนาชุมชนอำเภอวังทอง")
        ):
            workshop = _insert(
                "workshops",
                title=f"อบรม {n}",
                objectives="",
                topics="",
                organizing_agency=agency,
                venue_id=venue,
                capacity=50,
                registration_opens_at=now,
                registration_closes_at="2015-10-10 00:00:00",
                status="closed",
                attendance_threshold=80,
                certificate_kind="เกียรติบัตร",
                presiding_official="",
                signatory_name="",
                signatory_position="",
                fiscal_year=2559,
                created_at=now,
                updated_at=now,
                created_by_id=organizer,
            )
            registration = _insert(
                "registrations",
                workshop_id=workshop,
                user_id=officer,
                status="confirmed",
                ticket_secret=f"secret{n}",
                created_at=now,
                cancel_reason="",
            )
            series[agency] = _insert(
                "certificates",
                registration_id=registration,
                organizing_agency=agency,
                fiscal_year=2559,
                number=3,
                code=f"CODE{n:012d}",
                issued_on="2015-10-20",
                issued_at=now,
                grant_reason="",
                revoke_reason="",
            )
        db.session.commit()

        upgrade()
        offices = {o.name: o for o in db.session.scalars(db.select(Office))}
        assert set(offices) == {province, "สำนักงานพัฒนาชุมชนอำเภอวังทอง"}
        provincial, district = offices[province], offices["สำนักงานพัฒนาชุมชนอำเภอวังทอง"]
        assert (provincial.province, provincial.province_code, provincial.parent_id) == (
            "พิษณุโลก",
            "65",
            None,
        )
        assert (district.district, district.district_code, district.parent_id) == (
            "วังทอง",
            "6508",
            provincial.id,
        )
        workshops = db.session.scalars(db.select(Workshop).order_by(Workshop.id)).all()
        assert [w.office_id for w in workshops] == [provincial.id, provincial.id, district.id]
        assert workshops[1].organizing_agency == "สำนักงานพัฒนาชุมชนจังหวัด  พิษณุโลก "  # as printed
        certificates = {c.id: c for c in db.session.scalars(db.select(Certificate))}
        assert {c.number_text for c in certificates.values()} == {"3/2559"}
        assert certificates[series[province]].legacy_series == ""
        assert certificates[series["สำนักงานพัฒนาชุมชนจังหวัด  พิษณุโลก "]].legacy_series == (
            "สำนักงานพัฒนาชุมชนจังหวัด  พิษณุโลก "
        )
        counters = {
            (c.office_id, c.fiscal_year): c.last_number
            for c in db.session.scalars(db.select(CertificateCounter))
        }
        assert counters == {(provincial.id, 2559): 3, (district.id, 2559): 3}
        users = {u.email: u for u in db.session.scalars(db.select(User))}
        assert users["o@example.go.th"].office_id == provincial.id
        assert users["officer1@example.go.th"].office_id == district.id

        # The office's one series goes on after the highest number either old series issued.
        org = db.session.get(User, organizer)
        venue_row = workshops[0].venue
        later = finished_workshop(venue_row, org, sessions=1, capacity=50)
        assert later.office_id == provincial.id and later.fiscal_year == 2559
        registration = seat(later, users["officer1@example.go.th"], org, attended=1)
        assert issue_certificate(registration.id, org).number_text == "4/2559"
        db.session.remove()

        downgrade(revision="0010_certificate_design")
        numbers = db.session.execute(
            text("SELECT organizing_agency, number FROM certificates ORDER BY id")
        ).all()
        assert [n for _, n in numbers] == [3, 3, 3, 4]
        db.session.remove()
        downgrade(revision="base")
