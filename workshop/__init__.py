"""workshop: capacity-building workshops for Thai government officers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The application factory: ``config`` overrides defaults and ``WORKSHOP_*`` variables."""
    instance = (
        (config or {}).get("INSTANCE_PATH")
        or os.environ.get("WORKSHOP_INSTANCE_PATH")
        or ROOT / "instance"
    )
    app = Flask(
        __name__,
        instance_path=str(instance),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from workshop.config import load_config

    load_config(app, config)
    # Thai text as UTF-8 (3 bytes a letter) rather than \uXXXX escapes (6): rosters and scan
    # results reach door phones over rural mobile networks.
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    from workshop.web.converters import Int32Converter

    app.url_map.converters["int"] = Int32Converter  # before any route is added
    from workshop.web.request_input import register_request_input

    register_request_input(app)  # NUL and oversized numbers never reach a view

    from workshop import models  # noqa: F401  (registers the tables)
    from workshop.extensions import babel, csrf, db, login_manager, migrate

    db.init_app(app)
    from workshop.services.transactions import configure_engine

    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)

    from workshop.web.i18n import register_i18n, select_locale

    babel.init_app(app, locale_selector=select_locale, default_timezone=app.config["TIMEZONE"])
    register_i18n(app)

    from workshop.error_responses import register_error_handlers
    from workshop.web import register_web

    register_error_handlers(app)
    register_web(app)

    from workshop.api import api_bp

    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, never with cookies
    app.register_blueprint(api_bp)

    from workshop.ratelimit import init_rate_limits

    init_rate_limits(app)  # after every blueprint: it wraps their views
    if int(app.config["PROXY_FIX"] or 0) > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    from workshop.pdf.signing import configure_signing

    configure_signing(app)  # a key that cannot be used stops the start, with its reason

    from workshop.services.notifications import register_sender, register_sender_pass
    from workshop.services.quotas import release_due_quotas
    from workshop.services.reminders import queue_scheduled_notices

    register_sender(app)
    register_sender_pass(queue_scheduled_notices)  # reminders, "certificate ready"
    register_sender_pass(release_due_quotas)  # quota seats return to the pool on their date

    from workshop.cli import register_cli

    register_cli(app)
    return app
