"""The OpenAPI document: valid OpenAPI 3.1, complete, and true to what the endpoints do."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from tests.support import PASSWORD
from workshop.models import User

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def bearer(client: FlaskClient, user: User) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


@pytest.fixture
def document(client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def api_routes(app: Flask) -> set[tuple[str, str]]:
    """(method, OpenAPI path template below /api/v1) of every API route the app answers."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        routes |= {(method, path) for method in rule.methods - IGNORED_METHODS}
    return routes


def documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }


def conforms(document: dict[str, Any], schema_name: str, instance: Any) -> list[str]:
    """Validation errors of ``instance`` against ``#/components/schemas/<schema_name>``."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
    return [error.message for error in OAS31Validator(schema).iter_errors(instance)]


def test_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on any problem


def test_every_api_route_is_documented(app, document):
    missing = api_routes(app) - documented(document)

    assert not missing, f"routes missing from openapi.json: {sorted(missing)}"


def test_every_documented_operation_exists(app, document):
    phantom = documented(document) - api_routes(app)

    assert not phantom, f"openapi.json describes routes that do not exist: {sorted(phantom)}"


def test_document_lists_the_contract_endpoints(document):
    expected = {
        ("POST", "/auth/token"),
        ("GET", "/me"),
        ("POST", "/venues"),
        ("GET", "/venues"),
        ("POST", "/workshops"),
        ("GET", "/workshops"),
        ("GET", "/workshops/{workshop_id}"),
        ("PATCH", "/workshops/{workshop_id}"),
        ("GET", "/openapi.json"),
    }

    assert expected <= documented(document)


def test_request_bodies_come_from_the_pydantic_models(document):
    schemas = document["components"]["schemas"]
    create = document["paths"]["/workshops"]["post"]["requestBody"]["content"]["application/json"]

    assert create["schema"] == {"$ref": "#/components/schemas/WorkshopCreate"}
    assert "sessions" in schemas["WorkshopCreate"]["required"]
    assert schemas["WorkshopCreate"]["properties"]["sessions"]["items"] == {
        "$ref": "#/components/schemas/SessionCreate"
    }
    starts_at = schemas["SessionCreate"]["properties"]["starts_at"]
    assert (starts_at["type"], starts_at["format"]) == ("string", "date-time")
    assert schemas["VenueCreate"]["properties"]["capacity"]["type"] == "integer"
    assert "required" not in schemas["WorkshopPatch"]
    assert "$defs" not in str(document)


def test_security_scheme_is_bearer_and_error_schema_is_shared(document):
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from `POST /auth/token`.",
    }
    error = document["components"]["schemas"]["ErrorOut"]
    assert error["required"] == ["error"]
    unauthorized = document["components"]["responses"]["Unauthorized"]
    assert unauthorized["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorOut"
    }


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", "/api/v1" + path)


def test_operations_documented_as_needing_a_token_answer_401_without_one(client, document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            security = operation.get("security", document.get("security", []))
            needs_token = bool(security) and {} not in security
            response = client.open(_concrete(path), method=method.upper(), json={})
            if needs_token:
                assert response.status_code == 401, (method, path)
                assert "401" in operation["responses"]
            else:
                assert response.status_code != 401, (method, path)


def test_organizer_operations_document_403_and_refuse_officers(client, document, officer):
    headers = bearer(client, officer)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            response = client.open(_concrete(path), method=method.upper(), json={}, headers=headers)
            roles = operation.get("x-roles")  # only on operations limited to some roles
            if roles is not None and "officer" not in roles:
                assert "403" in operation["responses"], (method, path)
                assert response.status_code == 403, (method, path)
            else:
                assert response.status_code != 403, (method, path)


def test_responses_match_their_documented_schemas(client, document, organizer, venue):
    auth = bearer(client, organizer)
    created = client.post(
        "/api/v1/workshops",
        json={
            "title": "อบรม",
            "organizing_agency": "สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก",
            "venue_id": venue.id,
            "capacity": 10,
            "registration_opens_at": "2015-10-01T08:30:00+07:00",
            "registration_closes_at": "2015-10-19T16:30:00+07:00",
            "sessions": [
                {"starts_at": "2015-10-20T08:30:00+07:00", "ends_at": "2015-10-20T12:00:00+07:00"}
            ],
        },
        headers=auth,
    )
    assert created.status_code == 201
    checks = [
        ("WorkshopOut", created.get_json()),
        ("VenueOut", client.get(f"/api/v1/venues/{venue.id}", headers=auth).get_json()),
        ("UserOut", client.get("/api/v1/me", headers=auth).get_json()),
        ("PersonalData", client.get("/api/v1/me/data", headers=auth).get_json()),
        ("ErrorOut", client.get("/api/v1/workshops/999", headers=auth).get_json()),
        ("ErrorOut", client.post("/api/v1/venues", json={}, headers=auth).get_json()),
        (
            "TokenOut",
            client.post(
                "/api/v1/auth/token", json={"email": organizer.email, "password": PASSWORD}
            ).get_json(),
        ),
    ]
    for name, instance in checks:
        assert conforms(document, name, instance) == [], (name, instance)
    for row in client.get("/api/v1/workshops", headers=auth).get_json():
        assert conforms(document, "WorkshopOut", row) == []


def test_schema_check_would_catch_a_wrong_shape(document):
    assert conforms(document, "WorkshopOut", {"id": "seven"}) != []


def test_document_needs_no_token(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response.get_json()["servers"] == [{"url": "/api/v1"}]


def test_issuing_one_certificate_is_documented_as_it_answers(client, document, venue, organizer):
    """POST .../certificate: 201 new, 200 a repeat, both a CertificateOut; the GET of the PDF
    documents 409 `not_issued` (it never issues)."""
    from tests.support import finished_workshop, make_officers, seat

    post = document["paths"]["/registrations/{registration_id}/certificate"]["post"]
    for status in ("200", "201"):
        schema = post["responses"][status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/CertificateOut"}
    assert {"401", "403", "404"} <= set(post["responses"])
    get = document["paths"]["/registrations/{registration_id}/certificate.pdf"]["get"]
    assert "409" in get["responses"] and "`not_issued`" in get["description"]

    workshop = finished_workshop(venue, organizer, sessions=1)
    (officer,) = make_officers(1)
    registration = seat(workshop, officer, organizer, 1)
    headers = bearer(client, officer)
    url = f"/api/v1/registrations/{registration.id}/certificate"
    not_issued = client.get(f"{url}.pdf", headers=headers)
    first, again = client.post(url, headers=headers), client.post(url, headers=headers)

    assert not_issued.status_code == 409
    assert conforms(document, "ErrorOut", not_issued.get_json()) == []
    assert (first.status_code, again.status_code) == (201, 200)
    for response in (first, again):
        assert conforms(document, "CertificateOut", response.get_json()) == []


def test_a_repeated_check_in_is_documented_as_it_answers(client, document, venue, organizer, staff):
    """POST /checkins: 201 for the scan that checks in, 200 for a repeat; both documented and
    both a CheckInOut."""
    from tests.support import make_officers, running_workshop, seat
    from workshop.services.tickets import ticket_token

    post = document["paths"]["/checkins"]["post"]
    for status in ("200", "201"):
        schema = post["responses"][status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/CheckInOut"}

    workshop = running_workshop(venue, organizer)
    (officer,) = make_officers(1)
    body = {
        "ticket": ticket_token(seat(workshop, officer, organizer)),
        "session_id": workshop.sessions[0].id,
    }
    headers = bearer(client, staff)
    first = client.post("/api/v1/checkins", json=body, headers=headers)
    again = client.post("/api/v1/checkins", json=body, headers=headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert (first.get_json()["result"], again.get_json()["result"]) == (
        "checked_in",
        "already_checked_in",
    )
    for response in (first, again):
        assert conforms(document, "CheckInOut", response.get_json()) == []
