"""Who may call what: every route of ``app.url_map`` against every kind of caller.

The table ``ROUTES`` below is the access policy, written out. Each row is one endpoint and one
expected outcome per caller, in the fixed column order::

    #  endpoint                          anonymous owner  other  staff  organizer
    "registration.ticket_pdf":          "login     ok     404    404    ok",

Callers: ``anonymous`` (no session, no token); ``owner`` (officer A, who owns every object the
URL names: a confirmed registration, checked in, with an issued certificate); ``other`` (officer
B, registered for the same workshop); ``staff`` and ``organizer`` of the district office that
runs the workshop; ``province``, an organizer of the provincial office above it (who sees its
district offices' work); ``outsider`` and ``outstaff``, an organizer and a door staff member of
another district office of the same province, for whom everything of the workshop's office
does not exist (404), on pages and the API alike (``services.offices``); ``admin``, who
manages offices and accounts (``/admin``) and nothing else. HTML routes are called with a
signed-in session (and a valid CSRF token on POST), ``/api/`` routes with a bearer token.

Outcomes:
  ``ok``     authorised: 2xx, a 3xx that is not the sign-in page, or a 4xx that validation gave
             (409/422, and 400 on the API) because the body is deliberately empty or invalid;
  ``login``  an HTML page sends the caller to the sign-in page (302 to /auth/login);
  ``401``    the API asks for a token;
  ``403``    signed in but the wrong role;
  ``404``    someone else's object: hidden, so that its existence does not leak.

One rule for what belongs to a registration (the registration, its ticket, QR code and
certificate, on pages and the API alike): its owner and organizers may see it; for anyone else,
staff included, it does not exist (404); likewise everything of an office the organizer or
staff member does not see. 403 is only for a page or endpoint of a role the caller does not
have (checked before the office).

Every method of a rule except HEAD/OPTIONS is called with the row's expectations; a key
``"endpoint METHOD"`` (e.g. ``"auth.login POST"``) overrides the row for one method.

To add a route: add one row (keep the table sorted by endpoint). If its URL has a variable the
world below does not fill, add it to ``URL_VALUES`` (or per endpoint to ``URL_OVERRIDES``). A
route missing from the table fails ``test_every_route_is_classified`` with its name.

Requests are made so that authorisation is what stops or passes them, never a side effect:
POSTs carry empty forms/JSON bodies, and every request carries ``reason=<control character>``,
which the services refuse (cancel, undo) before anything is written. Each HTML request starts
from the caller's own session cookie as it was right after signing in (so switching the
language changes nothing for the next request); signing out ends that session on the server, so
the caller signs in again after the routes that sign out (``ENDS_SESSIONS``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.security import generate_password_hash

from tests.conftest import FreshGlobalsClient
from tests.support import PASSWORD, csrf_token_from, finished_workshop, login, make_office, seat
from workshop.extensions import db
from workshop.models import CheckIn, RefusedScan, User, Venue
from workshop.services.accounts import issue_api_token
from workshop.services.certificate_images import save_certificate_image
from workshop.services.certificates import format_code, issue_certificate
from workshop.services.evaluations import create_form
from workshop.services.venues import VenueInput, create_venue

CALLERS = (
    "anonymous",
    "owner",
    "other",
    "staff",
    "organizer",
    "province",
    "outsider",
    "outstaff",
    "admin",
)
OUTCOMES = {"ok", "login", "401", "403", "404"}

# fmt: off
# api.excuse_delete is 404 for the organizer too: the world has no excuse to withdraw.
ROUTES: dict[str, str] = {
    #  endpoint                                  anonymous owner  other  staff  organizer  province outsider outstaff admin
    "admin.account_edit":                     "login     403    403    403    403       403      403      403      ok",
    "admin.account_new":                      "login     403    403    403    403       403      403      403      ok",
    "admin.accounts":                         "login     403    403    403    403       403      403      403      ok",
    "admin.office_edit":                      "login     403    403    403    403       403      403      403      ok",
    "admin.office_new":                       "login     403    403    403    403       403      403      403      ok",
    "admin.offices":                          "login     403    403    403    403       403      403      403      ok",
    "api.attendance_csv":                       "401       403    403    403    ok        ok       404      403      403",
    "api.attendance_xlsx":                      "401       403    403    403    ok        ok       404      403      403",
    "api.certificate_verify":                   "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "api.checkin_create":                       "401       403    403    ok     ok        ok       ok       ok       403",
    "api.checkin_undo":                         "401       403    403    ok     ok        ok       404      404      403",
    "api.checkout_create":                      "401       403    403    ok     ok        ok       ok       ok       403",
    "api.create_token":                         "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "api.decode_frame":                         "401       403    403    ok     ok        ok       ok       ok       403",
    "api.delete_me":                            "401       ok     ok     ok     ok        ok       ok       ok       ok",
    "api.excuse_delete":                        "401       403    403    403    404       404      404      403      403",
    "api.excuse_put":                           "401       403    403    403    ok        ok       404      403      403",
    "api.me":                                   "401       ok     ok     ok     ok        ok       ok       ok       ok",
    "api.my_data":                              "401       ok     ok     ok     ok        ok       ok       ok       ok",
    "api.my_registrations":                     "401       ok     ok     ok     ok        ok       ok       ok       ok",
    "api.officer_create":                       "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "api.openapi_document":                     "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "api.registration_attendance":              "401       ok     404    404    ok        ok       404      404      404",
    "api.registration_cancel":                  "401       ok     404    404    ok        ok       404      404      404",
    "api.registration_certificate_issue":       "401       ok     404    404    ok        ok       404      404      404",
    "api.registration_certificate_pdf":         "401       ok     404    404    ok        ok       404      404      404",
    "api.registration_create":                  "401       ok     ok     403    ok        ok       404      403      403",
    "api.registration_get":                     "401       ok     404    404    ok        ok       404      404      404",
    "api.registration_qr_png":                  "401       ok     404    404    ok        ok       404      404      404",
    "api.registration_qr_svg":                  "401       ok     404    404    ok        ok       404      404      404",
    "api.report_pdf":                           "401       403    403    403    ok        ok       404      403      403",
    "api.signin_sheet_pdf":                     "401       403    403    403    ok        ok       404      403      403",
    "api.venue_create":                         "401       403    403    403    ok        ok       ok       403      403",
    "api.venue_get":                            "401       403    403    403    ok        ok       ok       403      403",
    "api.venue_list":                           "401       403    403    403    ok        ok       ok       403      403",
    "api.venue_patch":                          "401       403    403    403    ok        ok       ok       403      403",
    "api.workshop_attendees":                   "401       403    403    ok     ok        ok       404      404      403",
    "api.workshop_certificates_issue":          "401       403    403    403    ok        ok       404      403      403",
    "api.workshop_certificates_pdf":            "401       403    403    403    ok        ok       404      403      403",
    "api.workshop_create":                      "401       403    403    403    ok        ok       ok       403      403",
    "api.workshop_get":                         "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "api.workshop_list":                        "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "api.workshop_patch":                       "401       403    403    403    ok        ok       404      403      403",
    "api.workshop_registrations":               "401       403    403    403    ok        ok       404      403      403",
    "api.workshop_roster":                      "401       403    403    ok     ok        ok       404      404      403",
    "audit.events":                             "login     403    403    403    ok        ok       ok       403      403",
    "auth.delete":                              "login     ok     ok     ok     ok        ok       ok       ok       ok",
    "auth.forgot_password":                     "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "auth.login":                               "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "auth.logout":                              "login     ok     ok     ok     ok        ok       ok       ok       ok",
    "auth.logout_everywhere":                   "login     ok     ok     ok     ok        ok       ok       ok       ok",
    "auth.my_data":                             "login     ok     ok     ok     ok        ok       ok       ok       ok",
    "auth.password":                            "login     ok     ok     ok     ok        ok       ok       ok       ok",
    "auth.profile":                             "login     ok     ok     403    403       403      403      403      403",
    "auth.reset":                               "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "auth.signup":                              "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "certificates.all_in_one":                  "login     403    403    403    ok        ok       404      403      403",
    "certificates.delete_image":                "login     403    403    403    ok        ok       404      403      403",
    "certificates.image":                       "login     403    403    403    ok        ok       404      403      403",
    "certificates.issue_all":                   "login     403    403    403    ok        ok       404      403      403",
    "certificates.issue_mine":                  "login     ok     404    404    ok        ok       404      404      404",
    "certificates.mine":                        "login     ok     404    404    ok        ok       404      404      404",
    "certificates.one":                         "login     403    403    403    ok        ok       404      403      403",
    "certificates.override":                    "login     403    403    403    ok        ok       404      403      403",
    "certificates.preview":                     "login     403    403    403    ok        ok       404      403      403",
    "certificates.save_design":                 "login     403    403    403    ok        ok       404      403      403",
    "certificates.upload_image":                "login     403    403    403    ok        ok       404      403      403",
    "certificates.verify":                      "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "certificates.verify_file":                 "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "certificates.verify_form":                 "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "certificates.workshop_list":               "login     403    403    403    ok        ok       404      403      403",
    "checkin.csrf_token":                       "login     403    403    ok     ok        ok       ok       ok       403",
    "checkin.index":                            "login     403    403    ok     ok        ok       ok       ok       403",
    "checkin.scanner":                          "login     403    403    ok     ok        ok       404      404      403",
    "checkin.service_worker":                   "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "evaluations.answer":                       "login     ok     ok     403    403       403      403      403      403",
    "evaluations.create":                       "login     403    403    403    ok        ok       404      403      403",
    "evaluations.manage":                       "login     403    403    403    ok        ok       404      403      403",
    "evaluations.questions":                    "login     403    403    403    ok        ok       404      403      403",
    "evaluations.required":                     "login     403    403    403    ok        ok       404      403      403",
    "evaluations.results":                      "login     403    403    403    ok        ok       404      403      403",
    "evaluations.results_xlsx":                 "login     403    403    403    ok        ok       404      403      403",
    "evaluations.status":                       "login     403    403    403    ok        ok       404      403      403",
    "forms.date_preview":                       "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "health.healthz":                           "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "i18n.switch_language":                     "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "imports.confirm":                          "login     403    403    403    ok        ok       404      403      403",
    "imports.template":                         "login     403    403    403    ok        ok       ok       403      403",
    "imports.upload":                           "login     403    403    403    ok        ok       404      403      403",
    # LINE is not configured in this matrix: its routes exist and answer 404 to everyone (after
    # the usual sign-in and role checks); tests/integration/test_line.py covers them configured.
    "line.callback":                            "login     404    404    403    403       403      403      403      403",
    "line.channel":                             "login     404    404    403    403       403      403      403      403",
    "line.link":                                "login     404    404    403    403       403      403      403      403",
    "line.start":                               "login     404    404    403    403       403      403      403      403",
    "line.ticket_image":                        "404       404    404    404    404       404      404      404      404",
    "line.unlink":                              "login     404    404    403    403       403      403      403      403",
    "line.webhook":                             "404       404    404    404    404       404      404      404      404",
    "messages.compose":                         "login     403    403    403    ok        ok       404      403      403",
    "messages.preview":                         "login     403    403    403    ok        ok       404      403      403",
    "messages.reminder":                        "login     403    403    403    ok        ok       404      403      403",
    "messages.send":                            "login     403    403    403    ok        ok       404      403      403",
    # A token nobody was given: the page does not exist for anyone (test_quotas.py covers real links).
    "nominations.nominate":                     "404       404    404    404    404       404      404      404      404",
    "organizer.excuse":                         "login     403    403    403    ok        ok       404      403      403",
    "organizer.refused_scan_action":            "login     403    403    403    ok        ok       404      403      403",
    "organizer.register_on_behalf":             "login     403    403    403    ok        ok       404      403      403",
    "organizer.registration_action":            "login     403    403    403    ok        ok       404      403      403",
    "organizer.registrations":                  "login     403    403    403    ok        ok       404      403      403",
    "organizer.session_attendance":             "login     403    403    403    ok        ok       404      403      403",
    "organizer.venue_edit":                     "login     403    403    403    ok        ok       ok       403      403",
    "organizer.venue_new":                      "login     403    403    403    ok        ok       ok       403      403",
    "organizer.venues":                         "login     403    403    403    ok        ok       ok       403      403",
    "organizer.walk_in":                        "login     403    403    403    ok        ok       404      403      403",
    "organizer.workshop_cancel":                "login     403    403    403    ok        ok       404      403      403",
    "organizer.workshop_detail":                "login     403    403    403    ok        ok       404      403      403",
    "organizer.workshop_edit":                  "login     403    403    403    ok        ok       404      403      403",
    "organizer.workshop_new":                   "login     403    403    403    ok        ok       ok       403      403",
    "organizer.workshop_next_cohort":           "login     403    403    403    ok        ok       404      403      403",
    "organizer.workshop_status":                "login     403    403    403    ok        ok       404      403      403",
    "organizer.workshops":                      "login     403    403    403    ok        ok       ok       403      403",
    "public.index":                             "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "public.workshop_detail":                   "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "public.past":                              "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "site.privacy":                             "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "site.accessibility":                       "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "site.logo":                                "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    "quotas.create_link":                       "login     403    403    403    ok        ok       404      403      403",
    "quotas.quotas":                            "login     403    403    403    ok        ok       404      403      403",
    "registration.cancel":                      "login     ok     404    404    ok        ok       404      404      404",
    "registration.mine":                        "login     ok     ok     ok     ok        ok       ok       ok       ok",
    "registration.qr_png_image":                "login     ok     404    404    ok        ok       404      404      404",
    "registration.qr_svg_image":                "login     ok     404    404    ok        ok       404      404      404",
    "registration.register":                    "login     ok     ok     403    403       403      403      403      403",
    "registration.ticket_pdf":                  "login     ok     404    404    ok        ok       404      404      404",
    "reports.attendance_csv":                   "login     403    403    403    ok        ok       404      403      403",
    "reports.attendance_xlsx":                  "login     403    403    403    ok        ok       404      403      403",
    "reports.fiscal_year_page":                 "login     403    403    403    ok        ok       ok       403      403",
    "reports.fiscal_year_pdf":                  "login     403    403    403    ok        ok       ok       403      403",
    "reports.fiscal_year_xlsx":                 "login     403    403    403    ok        ok       ok       403      403",
    "reports.signin_sheet_pdf":                 "login     403    403    403    ok        ok       404      403      403",
    "reports.workshop_report_page":             "login     403    403    403    ok        ok       404      403      403",
    "reports.workshop_report_pdf":              "login     403    403    403    ok        ok       404      403      403",
    "static":                                   "ok        ok     ok     ok     ok        ok       ok       ok       ok",
    # One's own transcript (officers); any officer's through the organizer's pages.
    "transcripts.hours":                        "login     403    403    403    ok        ok       ok       403      403",
    "transcripts.mine":                         "login     ok     ok     403    403       403      403      403      403",
    "transcripts.mine_file":                    "login     ok     ok     403    403       403      403      403      403",
    "transcripts.officer":                      "login     403    403    403    ok        ok       404      403      403",
    "transcripts.officer_file":                 "login     403    403    403    ok        ok       404      403      403",
    "transcripts.search":                       "login     403    403    403    ok        ok       ok       403      403",
}
# fmt: on

# URL variables by name, filled from the world built below (owner's objects).
URL_VALUES = {
    "workshop_id": lambda w: w.workshop_id,
    "session_id": lambda w: w.session_id,
    "registration_id": lambda w: w.registration_id,
    "venue_id": lambda w: w.venue_id,
    "checkin_id": lambda w: w.checkin_id,
    "refused_id": lambda w: w.refused_id,
    "code": lambda w: w.code,
    "kind": lambda w: "logo",
    "action": lambda w: "confirm",  # the owner's registration is confirmed already: refused
    "filename": lambda w: "css/app.css",
    "part": lambda w: "evaluation",
    "token": lambda w: "T1NOTATICKET",
    "officer_id": lambda w: w.users["owner"].id,
    "file_format": lambda w: "xlsx",
    "office_id": lambda w: w.office_id,
    # The admin's own account: an empty form would switch it off, which is refused.
    "user_id": lambda w: w.users["admin"].id,
}
# Per endpoint, where the shared value would have a side effect or name the wrong thing.
URL_OVERRIDES: dict[str, dict[str, str]] = {
    "certificates.delete_image": {"kind": "not-a-kind"},  # refused: the logo stays
    "certificates.override": {"action": "revoke"},  # refused: the reason is a control character
    "certificates.preview": {"fmt": "png"},
    "i18n.switch_language": {"code": "en"},
    "organizer.refused_scan_action": {"action": "accept"},  # refused: the reason
}
# Every request carries these: refused reasons, and the session the roster is asked for.
BAD_REASON = "\x01"
# Routes after which the caller's sessions (and, signing out everywhere, tokens) are ended.
ENDS_SESSIONS = {"auth.logout", "auth.logout_everywhere"}


def rules(app: Flask):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def expectation(endpoint: str, method: str) -> list[str] | None:
    row = ROUTES.get(f"{endpoint} {method}", ROUTES.get(endpoint))
    return row.split() if row is not None else None


def test_every_route_is_classified(app):
    missing = sorted(
        {f"{m} {r.rule} ({r.endpoint})" for r, m in rules(app) if r.endpoint not in ROUTES}
    )
    assert not missing, "classify this route in ROUTES of test_access_matrix.py:\n" + "\n".join(
        missing
    )
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    stale = sorted(key for key in ROUTES if key.split()[0] not in endpoints)
    assert not stale, f"ROUTES names endpoints that no longer exist: {stale}"
    for key, row in ROUTES.items():
        outcomes = row.split()
        assert len(outcomes) == len(CALLERS), f"{key}: one outcome per caller {CALLERS}"
        assert set(outcomes) <= OUTCOMES, f"{key}: outcomes are {sorted(OUTCOMES)}"
        api = key.startswith("api.")
        assert ("login" not in outcomes) if api else ("401" not in outcomes), (
            f"{key}: anonymous API callers get 401, anonymous HTML visitors 'login'"
        )


# ---------------------------------------------------------------- the world


@dataclass
class World:
    workshop_id: int
    session_id: int
    registration_id: int
    venue_id: int
    checkin_id: int
    refused_id: int
    code: str
    users: dict[str, User]
    office_id: int


def build_world() -> World:
    # One quick hash shared by everybody: the matrix is about access, not about hashing.
    password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
    province = make_office("สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก")
    district = make_office("สำนักงานพัฒนาชุมชนอำเภอวังทอง", parent_id=province.id)
    elsewhere = make_office("สำนักงานพัฒนาชุมชนอำเภอนครไทย", parent_id=province.id)
    users = {
        name: User(
            email=f"{name}@example.go.th",
            password_hash=password_hash,
            role=role,
            title_prefix="นาย",
            first_name=name,
            last_name="ทดสอบ",
            office_id=office.id if office else None,
        )
        for name, role, office in (
            ("owner", "officer", None),
            ("other", "officer", None),
            ("staff", "staff", district),
            ("organizer", "organizer", district),
            ("province", "organizer", province),
            ("outsider", "organizer", elsewhere),
            ("outstaff", "staff", elsewhere),
            ("admin", "admin", None),
        )
    }
    db.session.add_all(users.values())
    db.session.commit()
    organizer = users["organizer"]
    venue: Venue = create_venue(
        VenueInput(name="ห้องประชุม", address="", district="", province="พิษณุโลก", capacity=120),
        organizer,
    )
    workshop = finished_workshop(venue, organizer, sessions=2)
    mine = seat(workshop, users["owner"], organizer, attended=2)
    seat(workshop, users["other"], organizer, attended=0)
    certificate = issue_certificate(mine.id, actor=organizer)
    image = io.BytesIO()
    Image.new("RGB", (64, 32), (20, 40, 120)).save(image, "PNG")
    save_certificate_image(workshop, "logo", image.getvalue(), organizer)
    create_form(workshop.id, organizer)  # a draft: answering it is refused with 409
    checkin = CheckIn.query.filter_by(registration_id=mine.id).first()
    refused = RefusedScan(
        session_id=workshop.sessions[1].id,
        registration_id=mine.id,
        method="offline",
        scanned_at=workshop.sessions[1].starts_at,
        code="sync_too_late",
    )
    db.session.add(refused)
    db.session.commit()
    return World(
        workshop_id=workshop.id,
        session_id=workshop.sessions[0].id,
        registration_id=mine.id,
        venue_id=venue.id,
        checkin_id=checkin.id,
        refused_id=refused.id,
        code=format_code(certificate.code),
        users=users,
        office_id=district.id,
    )


def url_for_rule(rule, world: World) -> str:
    values = {}
    for name in rule.arguments:
        override = URL_OVERRIDES.get(rule.endpoint, {})
        if name in override:
            values[name] = override[name]
        elif name in URL_VALUES:
            values[name] = URL_VALUES[name](world)
        else:
            raise AssertionError(
                f"{rule.endpoint} ({rule.rule}): no value for <{name}>; add it to URL_VALUES"
            )
    _, path = rule.build(values, append_unknown=False)
    return path


@dataclass
class Caller:
    name: str
    client: FlaskClient
    cookie: str | None  # the session cookie right after signing in
    csrf: str
    bearer: dict[str, str]


def sign_in(app: Flask, name: str, user: User | None) -> Caller:
    app.test_client_class = FreshGlobalsClient
    client = app.test_client()
    bearer = {}
    if user is not None:
        login(client, user)
        bearer = {"Authorization": f"Bearer {issue_api_token(user, 1)}"}
    # A page with a form gives the CSRF token bound to this session.
    csrf = csrf_token_from(client.get("/auth/password" if user else "/auth/login").text)
    cookie = client.get_cookie("session")
    return Caller(name, client, cookie.value if cookie else None, csrf, bearer)


def call(caller: Caller, method: str, path: str, api: bool, world: World):
    query = {"reason": BAD_REASON, "session_id": world.session_id}
    if api:
        # The API never looks at cookies: a separate cookie-less client with the token only.
        kwargs = {"headers": caller.bearer, "query_string": query}
        if method in ("POST", "PATCH", "PUT"):
            kwargs["json"] = {}
        client = caller.client.application.test_client()
        return client.open(path, method=method, **kwargs)
    client = caller.client
    if caller.cookie is None:
        client.delete_cookie("session")
    else:
        client.set_cookie("session", caller.cookie)
    kwargs = {"query_string": query}
    if method != "GET":
        kwargs["data"] = {"csrf_token": caller.csrf, "reason": BAD_REASON}
    return client.open(path, method=method, **kwargs)


def outcome_of(response, api: bool) -> str:
    status = response.status_code
    location = response.headers.get("Location", "")
    if status in (401, 403, 404):
        return str(status)
    if 300 <= status < 400 and location.startswith("/auth/login") and not api:
        return "login"
    # 410: a reset link that is no longer good, for anyone (the rule, not the caller, refused).
    if status < 400 or status in (409, 410, 422) or (api and status == 400):
        return "ok"
    return f"unexpected {status}"


def test_access_matrix(app):
    world = build_world()
    callers = [sign_in(app, name, world.users.get(name)) for name in CALLERS]
    mismatches = []
    calls = 0
    for rule, method in rules(app):
        expected = expectation(rule.endpoint, method)
        if expected is None:
            continue  # reported by test_every_route_is_classified
        path = url_for_rule(rule, world)
        api = rule.endpoint.startswith("api.")
        for index, (caller, want) in enumerate(zip(callers, expected, strict=True)):
            response = call(caller, method, path, api, world)
            calls += 1
            if rule.endpoint in ENDS_SESSIONS and caller.name in world.users:
                callers[index] = sign_in(app, caller.name, world.users[caller.name])
            got = outcome_of(response, api)
            if got != want:
                mismatches.append(
                    f"{method} {path} ({rule.endpoint}) as {caller.name}: expected {want}, "
                    f"got {got} [{response.status_code} {response.headers.get('Location', '')}]"
                )
    # A signed-in browser session alone (no token, no CSRF header) never authenticates the
    # API: another site could otherwise make a visitor's browser call it.
    for caller in callers[1:]:
        caller.client.set_cookie("session", caller.cookie)
        if caller.client.get("/api/v1/me").status_code != 401:
            mismatches.append(f"GET /api/v1/me with {caller.name}'s session cookie: not 401")
    assert not mismatches, f"{len(mismatches)} of {calls} calls:\n" + "\n".join(mismatches)
    assert calls >= len(CALLERS) * len(ROUTES)
