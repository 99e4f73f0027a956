"""Schemathesis against /api/v1/openapi.json, through the Flask app (WSGI, no server).

Every operation of the document is called with generated requests (valid and invalid) as an
organizer, with one workshop, venue and registration in the database so that small ids often
find a record. No response may be a server error, and each must be one the document describes:
a listed status code, its media type and its schema. Examples are bounded to keep the suite
fast; set WORKSHOP_FUZZ_EXAMPLES to fuzz longer.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support import PASSWORD, make_user, open_workshop
from workshop.api.openapi import build_document
from workshop.services.registrations import register_officer
from workshop.services.venues import VenueInput, create_venue

EXAMPLES = int(os.environ.get("WORKSHOP_FUZZ_EXAMPLES", "15"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def organizer_token(app):
    organizer = make_user("organizer", "fuzz-organizer@example.go.th")
    venue = create_venue(VenueInput(name="หอประชุมอำเภอวังทอง", capacity=50), organizer)
    workshop = open_workshop(venue, organizer, capacity=40)
    register_officer(workshop.id, make_user("officer", "fuzz-officer@example.go.th"))
    response = app.test_client().post(
        "/api/v1/auth/token", json={"email": organizer.email, "password": PASSWORD}
    )
    return response.get_json()["token"]


# The document as the app serves it (GET /api/v1/openapi.json is checked against this same
# builder in test_openapi.py); loaded at import because schemathesis' fixture-based loader does
# not support pytest 9. Requests go to the session's app through WSGI (``case.call(app=...)``).
schema = schemathesis.openapi.from_dict(build_document())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_as_documented(app, case, organizer_token):
    response = case.call(app=app, headers={"Authorization": f"Bearer {organizer_token}"})
    case.validate_response(response, checks=CHECKS)
