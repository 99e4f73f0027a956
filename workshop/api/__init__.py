"""JSON API v1 (the contract: docs/architecture.md, "The JSON API"; the OpenAPI document)."""

from __future__ import annotations

from flask import Blueprint

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")

from workshop.api import (  # noqa: E402, F401  (register routes)
    attendance,
    auth,
    certificates,
    checkins,
    openapi,
    privacy,
    registrations,
    reports,
    venues,
    workshops,
)
from workshop.error_responses import domain_error_json  # noqa: E402
from workshop.services.errors import DomainError  # noqa: E402

api_bp.register_error_handler(DomainError, domain_error_json)
