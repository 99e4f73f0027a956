"""The site's frame: the office's name, logo and contact in the header and footer, the active
menu item, and the two pages every government service publishes (privacy notice, accessibility
statement)."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    has_request_context,
    render_template,
    request,
    send_file,
    url_for,
)

bp = Blueprint("site", __name__)

LOGO_TYPES = {".png", ".svg", ".jpg", ".jpeg", ".webp"}

# Menu item -> the blueprints/endpoints whose pages belong to it (aria-current="page").
NAV_SECTIONS = {
    "workshops": (
        "organizer.workshops",
        "organizer.workshop_detail",
        "organizer.workshop_new",
        "organizer.workshop_edit",
        "organizer.registrations",
        "organizer.walk_in",
        "organizer.workshop_cancel",
        "organizer.session_attendance",
        "certificates.workshop_list",
        "reports.workshop_report_page",
        "evaluations.manage",
        "evaluations.results",
        "messages.compose",
        "messages.preview",
        "messages.send",
    ),
    "venues": ("organizer.venues", "organizer.venue_new", "organizer.venue_edit"),
    "audit": ("audit.events",),
    "report": ("reports.fiscal_year_page",),
    "transcripts": ("transcripts.search", "transcripts.officer"),
    "transcript": ("transcripts.mine",),
    "checkin": ("checkin.index", "checkin.scanner"),
    "mine": ("registration.mine",),
    "public": ("public.index", "public.past", "public.workshop_detail"),
    "login": ("auth.login",),
    "signup": ("auth.signup",),
    "profile": ("auth.profile", "auth.password"),
}


def nav_section() -> str | None:
    """The menu item the current page belongs to."""
    endpoint = request.endpoint or ""
    for section, endpoints in NAV_SECTIONS.items():
        if endpoint in endpoints:
            return section
    return None


def office() -> dict[str, str]:
    config = current_app.config
    return {
        "name": str(config["OFFICE_NAME"] or ""),
        "name_en": str(config["OFFICE_NAME_EN"] or ""),
        "address": str(config["OFFICE_ADDRESS"] or ""),
        "phone": str(config["OFFICE_PHONE"] or ""),
        "email": str(config["OFFICE_EMAIL"] or ""),
        "logo": url_for("site.logo"),
    }


@bp.get("/privacy")
def privacy():
    return render_template(
        "site/privacy.html", retention_years=current_app.config["RETENTION_YEARS"]
    )


@bp.get("/accessibility")
def accessibility():
    return render_template("site/accessibility.html")


@bp.get("/brand/logo")
def logo():
    """The configured logo file, or the built-in emblem."""
    configured = str(current_app.config["OFFICE_LOGO"] or "")
    if not configured:
        return send_file(
            Path(current_app.static_folder or "") / "img" / "emblem.svg",
            mimetype="image/svg+xml",
            max_age=3600,
        )
    path = Path(configured)
    if path.suffix.lower() not in LOGO_TYPES or not path.is_file():
        abort(404)
    mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return send_file(path, mimetype=mimetype, max_age=3600)


def register_site(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def site_context():
        if not has_request_context():  # mail rendered by the background sender
            return {}
        return {"office": office(), "nav_section": nav_section()}
