"""Security headers on every response, and the Content-Security-Policy.

No page runs inline script or inline style: scripts and styles are files under ``static/``
(page data for a script travels in a ``<script type="application/json">`` block, which is not
executed), so the policy allows only this origin. The door scanner needs the camera
(``Permissions-Policy: camera=(self)``, ``media-src`` for the stream), its service worker
(``worker-src 'self'``) and camera frames drawn as images (``img-src blob: data:``).
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob: mediastream:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)


def policy_with_form_action(origin: str) -> str:
    """The policy, letting this page's forms also lead to ``origin``: browsers check
    ``form-action`` against every redirect that follows a form's submission too (the LINE
    linking form is answered with a redirect to LINE's login)."""
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", f"form-action 'self' {origin}")


def policy_with_wasm() -> str:
    """The policy letting this page compile WebAssembly (``'wasm-unsafe-eval'`` allows wasm
    only, never ``eval`` of script): the door scanner, whose barcode-detector polyfill runs
    ZXing-C++ as wasm where the browser has no BarcodeDetector. Only that page gets it."""
    return CONTENT_SECURITY_POLICY.replace(
        "script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'"
    )


PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=31536000"

# Responses with someone's personal data are kept by no cache, the browser's included (a shared
# computer at a training centre, a proxy): every response to a signed-in browser (each page
# names the person in its menu) or to an API token, and the public certificate check, which
# shows the holder's name to anyone with the code. Static files hold nothing personal.
PRIVATE = "private, no-store"
PUBLIC_PERSONAL_ENDPOINTS = frozenset({"certificates.verify", "api.certificate_verify"})
NOT_PERSONAL_ENDPOINTS = frozenset({"static", "checkin.service_worker"})


def has_personal_data() -> bool:
    """Whether this request's response may hold personal data (see ``PRIVATE``)."""
    if request.endpoint in NOT_PERSONAL_ENDPOINTS:
        return False
    if request.endpoint in PUBLIC_PERSONAL_ENDPOINTS or request.headers.get("Authorization"):
        return True
    return bool(current_user.is_authenticated)


def register_security_headers(app: Flask) -> None:
    https = str(app.config["BASE_URL"]).startswith("https://")

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if https:
            headers.setdefault("Strict-Transport-Security", HSTS)
        if has_personal_data():
            headers["Cache-Control"] = PRIVATE
        return response
