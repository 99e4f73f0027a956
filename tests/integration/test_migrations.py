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
    from tests.support import workshop_input
    from workshop.models import CertificateImage
    from workshop.services.venues import VenueInput, create_venue
    from workshop.services.workshops import create_workshop

    with empty_database.app_context():
        upgrade()
        venue = create_venue(VenueInput(name="ห้องประชุม", capacity=50), None)
        workshop = create_workshop(workshop_input(venue, capacity=50), None)
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
