"""Every page state the journeys reach, checked by axe-core and for horizontal overflow.

The demo data (``flask seed-demo``) holds a workshop of each kind: one that took place with
check-ins, an excuse, certificates and an evaluation, and one open for registration with a
waitlist. Each role's pages are opened once per language; each page is then measured at a
360 px wide window (nothing may be wider than it), and checked with axe-core (WCAG 2.2 A/AA
and best practices: zero violations) at 390 px and 1366 px, with a full-page screenshot of
each under ``test-output/e2e/<database>/a11y/``.

axe-core comes from npm (``make e2e-tools`` installs ``tests/e2e/package.json`` into
``tests/e2e/node_modules``); the pages' Content-Security-Policy allows no injected script,
so the browser context bypasses it (only here: ``test_pages_csp.py`` checks the policy).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.e2e.conftest import SCREENSHOTS, TIMEOUT_MS
from workshop.extensions import db
from workshop.models import Registration, User, Workshop, WorkshopSession
from workshop.services.certificates import format_code, issue_certificate
from workshop.services.demo import DEMO_ACCOUNTS, TITLE, UPCOMING_TITLE, seed_demo

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
NARROWEST = 360
WIDTHS = (390, 1366)
OUT = SCREENSHOTS / "a11y"
PASSWORDS = {a.email: a.password for a in DEMO_ACCOUNTS}

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ')),
  }));
}"""
SETTLED_FIT = """async () => {
  await document.fonts.ready;
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return document.documentElement.scrollWidth <= window.innerWidth;
}"""
# The widest element sticking out of the page (not out of a scrolling box), to say what overflows.
WIDEST = """() => {
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  let widest = null;
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (clipped(el)) continue;
    if (r.right > window.innerWidth + 0.5 && (!widest || r.right > widest.right)) {
      widest = {right: Math.round(r.right), tag: el.tagName.toLowerCase(),
                cls: String(el.className || ''),
                text: (el.textContent || '').trim().slice(0, 40)};
    }
  }
  return widest;
}"""


@pytest.fixture
def demo(app) -> dict:
    """The demo data, the office configured, and the ids the pages need."""
    saved = {k: app.config[k] for k in ("OFFICE_NAME", "OFFICE_NAME_EN", "OFFICE_PHONE")}
    app.config.update(
        OFFICE_NAME="สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก",
        OFFICE_NAME_EN="Phitsanulok Provincial Community Development Office",
        OFFICE_PHONE="055 245 062",
    )
    seed_demo()
    past = db.session.scalar(select(Workshop).where(Workshop.title == TITLE))
    upcoming = db.session.scalar(  # the first cohort; the next one shares its title
        select(Workshop).where(Workshop.title == UPCOMING_TITLE).order_by(Workshop.id).limit(1)
    )
    officer = db.session.scalar(select(User).where(User.email == "officer1@demo.cdd.go.th"))
    organizer = db.session.scalar(select(User).where(User.email == "organizer@demo.cdd.go.th"))
    registration = db.session.scalar(
        select(Registration).where(
            Registration.workshop_id == past.id, Registration.user_id == officer.id
        )
    )
    certificate = issue_certificate(registration.id, organizer)  # idempotent
    yield {
        "past": past.id,
        "upcoming": upcoming.id,
        "session": db.session.scalar(
            select(WorkshopSession.id).where(WorkshopSession.workshop_id == past.id)
        ),
        "venue": past.venue_id,
        "officer": officer.id,
        "code": format_code(certificate.code),
    }
    app.config.update(saved)


@pytest.fixture
def audit_page(browser, live_server) -> Iterator[Callable]:
    """``check(paths_or_actions, email=None)``: open each page state in Thai, then English,
    as the given demo account, and check it. Failures are collected and asserted at the end."""
    OUT.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []

    def check(states: list[tuple[str, str | Callable]], email: str | None = None) -> None:
        context = browser.new_context(
            viewport={"width": 1366, "height": 900},
            locale="th-TH",
            timezone_id="Asia/Bangkok",
            bypass_csp=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            page = context.new_page()
            if email:
                page.goto(f"{live_server}/auth/login")
                page.fill("#email", email)
                page.fill("#password", PASSWORDS[email])
                page.click("main form button[type=submit]")
                page.wait_for_url(lambda url: "/auth/login" not in url)
            for lang in ("th", "en"):
                page.goto(f"{live_server}/lang/{lang}?next=/")
                for name, state in states:
                    if callable(state):
                        state(page)
                    else:
                        page.goto(live_server + state)
                    failures.extend(_check_state(page, f"{name}-{lang}"))
        finally:
            context.close()

    yield check
    assert failures == [], "\n".join(failures)


def _check_state(page, name: str) -> list[str]:
    problems = []
    page.set_viewport_size({"width": NARROWEST, "height": 800})
    # Measured once the page's own fonts are in (font-display: swap draws the fallback first,
    # whose wider glyphs a loaded machine can still show) and layout has settled a frame.
    fits = page.evaluate(SETTLED_FIT)
    if not fits:
        widest = page.evaluate(WIDEST)
        problems.append(
            f"{name}: wider than {NARROWEST} px: {json.dumps(widest, ensure_ascii=False)}"
        )
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE))
        for v in page.evaluate(RUN_AXE, TAGS):
            problems.append(f"{name}@{width}: {v['id']} ({v['impact']}) {v['help']}: {v['nodes']}")
        page.screenshot(path=str(OUT / f"{name}-{width}.png"), full_page=True)
    return problems


@pytest.fixture(autouse=True)
def _axe_installed():
    if not AXE.exists():
        message = "axe-core is not installed: run `make e2e-tools`"
        if os.environ.get("CI") == "true":  # `make test` installs it: missing is a failure
            pytest.fail(message)
        pytest.skip(message)


def test_public_pages(demo, audit_page):
    audit_page(
        [
            ("home", "/"),
            ("past-workshops", "/workshops/past"),
            ("workshop-open", f"/workshops/{demo['upcoming']}"),
            ("workshop-past", f"/workshops/{demo['past']}"),
            ("sign-in", "/auth/login"),
            ("sign-up", "/auth/signup"),
            ("forgot-password", "/auth/forgot"),
            ("verify-form", "/verify"),
            ("verify-result", f"/verify/{demo['code']}"),
            ("verify-unknown", "/verify/AAAA-BBBB-CCCC-DDDD"),
            ("privacy", "/privacy"),
            ("accessibility", "/accessibility"),
            ("not-found", "/no-such-page"),
        ]
    )


def test_officer_pages(demo, audit_page):
    audit_page(
        [
            ("my-registrations", "/my/registrations"),
            ("profile", "/auth/profile"),
            ("transcript", "/my/transcript"),
            ("workshop-registered", f"/workshops/{demo['upcoming']}"),
        ],
        email="officer1@demo.cdd.go.th",
    )


def test_organizer_pages(demo, audit_page, live_server):
    past, upcoming = demo["past"], demo["upcoming"]

    def workshop_form_errors(page):
        page.goto(live_server + "/organizer/workshops/new")
        page.click("main form button[type=submit]:not([name])")
        page.wait_for_selector(".error")

    audit_page(
        [
            ("workshops", "/organizer/workshops"),
            ("workshop-detail", f"/organizer/workshops/{past}"),
            ("workshop-upcoming", f"/organizer/workshops/{upcoming}"),
            ("workshop-new", "/organizer/workshops/new"),
            ("workshop-form-errors", workshop_form_errors),
            ("workshop-edit", f"/organizer/workshops/{upcoming}/edit"),
            ("workshop-cancel", f"/organizer/workshops/{upcoming}/cancel"),
            ("registrations", f"/organizer/workshops/{past}/registrations"),
            ("registrations-waitlist", f"/organizer/workshops/{upcoming}/registrations"),
            ("registrations-no-match", f"/organizer/workshops/{past}/registrations?q=nobody"),
            ("walk-in", f"/organizer/workshops/{upcoming}/walk-in"),
            (
                "session-attendance",
                f"/organizer/workshops/{past}/sessions/{demo['session']}/attendance",
            ),
            ("certificates", f"/organizer/workshops/{past}/certificates"),
            ("certificates-none", f"/organizer/workshops/{upcoming}/certificates"),
            ("report", f"/organizer/workshops/{past}/report"),
            ("evaluation", f"/organizer/workshops/{past}/evaluation"),
            ("evaluation-results", f"/organizer/workshops/{past}/evaluation/results"),
            ("fiscal-year", "/organizer/reports/fiscal-year"),
            ("messages", f"/organizer/workshops/{upcoming}/messages"),
            ("transcripts", "/organizer/transcripts?q=officer1"),
            ("officer-transcript", f"/organizer/officers/{demo['officer']}/transcript"),
            ("audit", "/organizer/audit"),
            ("venues", "/organizer/venues"),
            ("venue-edit", f"/organizer/venues/{demo['venue']}/edit"),
            ("password", "/auth/password"),
        ],
        email="organizer@demo.cdd.go.th",
    )


def test_door_staff_pages(demo, audit_page):
    audit_page(
        [
            ("checkin", "/checkin"),
            ("scanner", f"/checkin/{demo['past']}/{demo['session']}"),
        ],
        email="staff@demo.cdd.go.th",
    )
