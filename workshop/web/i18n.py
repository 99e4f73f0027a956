"""Language choice and the date/time filters templates use (Thai first, English second)."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from markupsafe import Markup

from workshop.error_responses import wants_json
from workshop.thai import addresses, dates

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """Session choice for pages; Accept-Language for the API; Thai otherwise."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and background work speak the default
        return current_app.config["DEFAULT_LOCALE"]
    if wants_json():
        return (
            request.accept_languages.best_match(languages) or current_app.config["DEFAULT_LOCALE"]
        )
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["DEFAULT_LOCALE"]


def current_locale() -> str:
    return str(get_locale() or "th")


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site relative paths may be redirected to (no open redirects), and only ones
    that can be a ``Location`` header: a control character (a CR/LF would split the header)
    sends the visitor to ``fallback`` instead."""
    if not target or any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target:
        return fallback
    return target


@bp.get("/lang/<code>")
def switch_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next"), url_for("public.index")))


def _date(value: date | datetime | None, style: str = "long") -> str:
    return "" if value is None else dates.format_date(value, style, current_locale())


def _time(value: datetime | None) -> str:
    return "" if value is None else dates.format_time(value, current_locale())


def _datetime(value: datetime | None, style: str = "short") -> str:
    return "" if value is None else dates.format_datetime(value, style, current_locale())


def _time_range(session_row) -> Markup:
    # One unbreakable piece: a narrow phone screen must not split 08.30–|16.30 or leave "น."
    # alone on the next line.
    text = dates.format_time_range(session_row.starts_at, session_row.ends_at, current_locale())
    return Markup('<span class="nowrap">%s</span>') % text


def _date_range(
    first: date | datetime | None, last: date | datetime | None, style: str = "long"
) -> str:
    if first is None or last is None:
        return "" if first is None and last is None else _date(first or last, style)
    return dates.format_date_range(first, last, current_locale(), style=style)


def _venue_place(venue) -> str:
    return addresses.venue_place(venue.name, venue.district, venue.province, current_locale())


def _fiscal_year(value: date | datetime | int | None) -> str:
    return "" if value is None else dates.format_fiscal_year(value, current_locale())


def register_i18n(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.filters.update(
        thai_date=_date,
        thai_time=_time,
        thai_datetime=_datetime,
        time_range=_time_range,
        fiscal_year=_fiscal_year,
        thai_date_range=_date_range,
        venue_place=_venue_place,
    )

    @app.context_processor
    def language_context():
        return {"current_locale": current_locale()}
