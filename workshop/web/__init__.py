"""HTML blueprints, sign-in wiring and the template helpers pages share."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from workshop.extensions import login_manager
from workshop.models import User
from workshop.services.accounts import user_for_sign_in_id


def register_web(app: Flask) -> None:
    from workshop.web import (
        admin,
        audit,
        auth,
        certificates,
        checkin,
        date_preview,
        evaluations,
        health,
        imports,
        line,
        messages,
        organizer,
        public,
        quotas,
        registration,
        reports,
        site,
        transcripts,
    )

    app.register_blueprint(public.bp)
    app.register_blueprint(registration.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(organizer.bp)
    app.register_blueprint(checkin.bp)
    app.register_blueprint(certificates.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(evaluations.bp)
    app.register_blueprint(line.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(imports.bp)
    app.register_blueprint(date_preview.bp)
    app.register_blueprint(transcripts.bp)
    app.register_blueprint(messages.bp)
    site.register_site(app)
    app.register_blueprint(quotas.bp)
    app.register_blueprint(quotas.public_bp)

    from workshop.services.attendance import format_hours, workshop_rule
    from workshop.services.officers import format_phone
    from workshop.services.registrations import registration_status_label
    from workshop.services.workshops import certificate_kind_label, status_label

    app.jinja_env.globals.update(
        status_label=status_label,
        certificate_kind_label=certificate_kind_label,
        registration_status_label=registration_status_label,
    )
    from workshop.web.form_errors import error_items

    app.jinja_env.globals["error_items"] = error_items
    app.jinja_env.filters["phone"] = format_phone
    app.jinja_env.filters["hours"] = format_hours
    app.jinja_env.globals["attendance_rule_text"] = lambda w: workshop_rule(w).describe()
    from workshop.web.checkin import CACHE_NAME

    app.jinja_env.globals["checkin_cache_name"] = CACHE_NAME  # forgotten on sign-out
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("กรุณาเข้าสู่ระบบก่อน")
    login_manager.login_message_category = "info"

    # Session and remember cookies carry the account's session generation and the sign-in
    # time (User.sign_in_id), checked on every request: signing out, a password change and
    # "sign out everywhere" end every copy of them, and no sign-in outlives the remember
    # cookie's duration. A deactivated or deleted account is signed out everywhere too.
    login_manager.id_attribute = "sign_in_id"

    @login_manager.user_loader
    def load_user(sign_in_id: str) -> User | None:
        return user_for_sign_in_id(sign_in_id, app.config["REMEMBER_COOKIE_DURATION"])

    from workshop.web.security import register_security_headers

    register_security_headers(app)
