"""Personal data endpoints (PDPA): download the caller's data, delete the caller's account."""

from __future__ import annotations

from flask import g

from workshop.api import api_bp
from workshop.api.auth import api_auth
from workshop.api.schemas import AccountDelete, AccountDeletedOut, parse_body
from workshop.services.personal_data import export_filename, personal_data
from workshop.services.privacy import delete_account


@api_bp.get("/me/data")
@api_auth()
def my_data():
    body = personal_data(g.api_user).as_json()
    headers = {
        "Content-Disposition": f'attachment; filename="{export_filename(g.api_user)}"',
    }
    return body, 200, headers


@api_bp.delete("/me")
@api_auth()
def delete_me():
    body = parse_body(AccountDelete)
    summary = delete_account(g.api_user, body.password)
    return AccountDeletedOut(
        deleted=True,
        registrations_cancelled=summary.registrations_cancelled,
        promoted=summary.promoted,
        certificates_revoked=summary.certificates_revoked,
    ).model_dump(mode="json")
