"""Rate limits and sign-in throttling, on an app of their own with limiting enabled (the
session's app has it off, so that the rest of the suite is unaffected)."""

from __future__ import annotations

import io
import os
import signal
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import update

from tests.support import PASSWORD
from workshop import create_app
from workshop.extensions import db
from workshop.models.types import utcnow

REDIS_URL = os.environ.get("WORKSHOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
LOCKED = "เข้าสู่ระบบไม่สำเร็จหลายครั้ง กรุณารอ 5 นาทีแล้วลองใหม่"


@pytest.fixture
def limited(app: Flask) -> Iterator[Callable[..., Flask]]:
    """``limited(**settings)``: an app on the same database with rate limiting on."""
    made: list[Flask] = []

    def make(**settings) -> Flask:
        limited_app = create_app(
            {
                "TESTING": True,
                "INSTANCE_PATH": app.instance_path,
                "DATABASE_URL": app.config["DATABASE_URL"],
                "SECRET_KEY": "test-secret",
                "MAIL_DELIVERY": "inline",
                "PASSWORD_HASH_METHOD": app.config["PASSWORD_HASH_METHOD"],
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": True,
                **settings,
            }
        )
        made.append(limited_app)
        return limited_app

    yield make
    for limited_app in made:
        with limited_app.app_context():
            db.engine.dispose()


def token_for(client, user) -> str:
    response = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def assert_rate_limited_json(response) -> None:
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert "ถี่เกินไป" in response.get_json()["error"]["message"]
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_sign_in_posts_are_limited_per_client(limited, officer):
    client = limited(RATELIMIT_SIGN_IN="3 per minute").test_client()
    assert client.get("/auth/login").status_code == 200  # looking at the page is free
    for n in range(3):
        page = client.post("/auth/login", data={"email": f"x{n}@example.go.th", "password": "x"})
        assert page.status_code == 422
    refused = client.post("/auth/login", data={"email": officer.email, "password": PASSWORD})
    assert refused.status_code == 429
    assert "ถี่เกินไป" in refused.get_data(as_text=True)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    other = client.post(
        "/auth/login",
        data={"email": officer.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    assert other.status_code == 302  # another client is not affected


def test_sign_up_and_token_endpoints_are_limited(limited, officer):
    client = limited(
        RATELIMIT_SIGN_UP="2 per minute", RATELIMIT_API_TOKEN="2 per minute"
    ).test_client()
    for _ in range(2):
        assert client.post("/api/v1/officers", json={}).status_code == 422
    assert_rate_limited_json(client.post("/api/v1/officers", json={}))
    assert client.post("/auth/signup", data={}).status_code == 422  # HTML shares the setting
    token_for(client, officer)
    token_for(client, officer)
    assert_rate_limited_json(
        client.post("/api/v1/auth/token", json={"email": officer.email, "password": PASSWORD})
    )


def test_check_in_limit_is_per_token(limited, staff, organizer):
    client = limited(RATELIMIT_CHECKIN="3 per minute").test_client()
    first = {"Authorization": f"Bearer {token_for(client, staff)}"}
    second = {"Authorization": f"Bearer {token_for(client, organizer)}"}
    for _ in range(3):
        assert client.post("/api/v1/checkins", json={}, headers=first).status_code == 422
    assert_rate_limited_json(client.post("/api/v1/checkins", json={}, headers=first))
    assert client.post("/api/v1/checkins", json={}, headers=second).status_code == 422


def test_default_check_in_limit_suits_a_busy_door(app):
    from limits import parse_many

    per_minute = [
        limit.amount * 60 / limit.get_expiry()
        for limit in parse_many(app.config["RATELIMIT_CHECKIN"])
    ]
    assert min(per_minute) >= 300


def test_failed_sign_ins_lock_the_account_for_this_client(limited, officer, staff):
    client = limited(RATELIMIT_SIGN_IN_FAILURES="3 per 5 minutes").test_client()
    wrong = {"email": officer.email, "password": "wrong-password-1"}
    for _ in range(2):
        page = client.post("/auth/login", data=wrong)
        assert page.status_code == 422
        assert "อีเมลหรือรหัสผ่านไม่ถูกต้อง" in page.get_data(as_text=True)
    locked = client.post("/auth/login", data=wrong)
    assert locked.status_code == 429
    assert LOCKED in locked.get_data(as_text=True)
    assert 240 <= int(locked.headers["Retry-After"]) <= 300
    right = client.post("/auth/login", data={"email": officer.email, "password": PASSWORD})
    assert right.status_code == 429  # even the right password waits
    api = client.post("/api/v1/auth/token", json={"email": officer.email, "password": PASSWORD})
    assert api.status_code == 429
    assert api.get_json()["error"]["code"] == "too_many_attempts"
    assert api.get_json()["error"]["message"] == LOCKED
    assert int(api.headers["Retry-After"]) > 0
    # Other accounts, and the same account from elsewhere, still sign in.
    assert (
        client.post("/auth/login", data={"email": staff.email, "password": PASSWORD}).status_code
        == 302
    )
    elsewhere = client.post(
        "/api/v1/auth/token",
        json={"email": officer.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    assert elsewhere.status_code == 201
    # Another worker (another app on the same database) refuses the same client too.
    other_worker = limited(RATELIMIT_SIGN_IN_FAILURES="3 per 5 minutes").test_client()
    assert other_worker.post("/auth/login", data=wrong).status_code == 429


def test_a_successful_sign_in_clears_the_failures(limited, officer):
    client = limited(RATELIMIT_SIGN_IN_FAILURES="3 per 5 minutes").test_client()
    wrong = {"email": officer.email, "password": "wrong-password-1"}
    for _ in range(2):
        assert client.post("/api/v1/auth/token", json=wrong).status_code == 401
    token_for(client, officer)
    for _ in range(2):
        assert client.post("/api/v1/auth/token", json=wrong).status_code == 401


def test_redis_storage_is_used_when_configured(limited, officer):
    import redis

    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {REDIS_URL} is not reachable, and CI=true needs it")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable")
    prefix = f"workshop-test-{uuid.uuid4().hex[:12]}"
    try:
        app = limited(
            REDIS_URL=REDIS_URL,
            RATELIMIT_KEY_PREFIX=prefix,
            RATELIMIT_API_TOKEN="2 per minute",
            RATELIMIT_SIGN_IN_FAILURES="3 per 5 minutes",
        )
        storage = app.extensions["workshop_rate_limits"].storage
        assert type(storage).__name__ == "RedisStorage"
        client = app.test_client()
        wrong = {"email": officer.email, "password": "wrong-password-1"}
        assert client.post("/api/v1/auth/token", json=wrong).status_code == 401
        keys = [key.decode() for key in connection.scan_iter(f"*{prefix}*")]
        assert any("create_token" in key or "auth/token" in key for key in keys), keys
        # No key carries the e-mail address (failed sign-ins are counted in the database,
        # under a keyed hash).
        local = officer.email.split("@")[0]
        assert not any(local in key for key in keys), keys
        # A second app (another gunicorn worker) sees the same counters.
        other = limited(
            REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix, RATELIMIT_API_TOKEN="2 per minute"
        ).test_client()
        assert other.post("/api/v1/auth/token", json=wrong).status_code == 401
        assert_rate_limited_json(client.post("/api/v1/auth/token", json=wrong))
    finally:
        for key in connection.scan_iter(f"*{prefix}*"):
            connection.delete(key)
        connection.close()


def test_memory_storage_sweeps_without_a_thread_per_hit(limited, monkeypatch):
    from workshop.ratelimit import SweptMemoryStorage

    storage = limited().extensions["workshop_rate_limits"].storage
    assert isinstance(storage, SweptMemoryStorage)
    started: list[object] = []
    monkeypatch.setattr("threading.Timer.start", lambda timer: started.append(timer))
    for _ in range(200):
        storage.incr("door", expiry=1)
    assert storage.get("door") == 200
    assert started == []  # the stock storage would start a timer thread every 10 ms
    storage.incr("gone", expiry=0)
    storage._next_sweep = 0.0
    storage.incr("door", expiry=1)  # sweeps what has expired
    assert "gone" not in storage.storage


class PasswordChecks:
    """Counts the passwords actually checked (``services.accounts.check_password``)."""

    def __init__(self, monkeypatch):
        from workshop.services import accounts

        self.count = 0
        self._lock = threading.Lock()
        real = accounts.check_password

        def counting(password_hash, password):
            with self._lock:
                self.count += 1
            return real(password_hash, password)

        monkeypatch.setattr(accounts, "check_password", counting)


def test_failed_sign_ins_are_counted_once_for_all_workers(limited, officer, monkeypatch):
    """Four apps on one database stand for four gunicorn workers with in-memory rate limits:
    a client going round them gets no more tries than the rule allows in all."""
    workers = [limited().test_client() for _ in range(4)]
    checks = PasswordChecks(monkeypatch)
    wrong = {"email": officer.email, "password": "wrong-password-1"}
    statuses = [
        workers[n % 4].post("/api/v1/auth/token", json=wrong).status_code for n in range(16)
    ]
    assert statuses[:4] == [401] * 4
    assert statuses[4:] == [429] * 12  # the fifth failure locks, on whichever worker
    assert checks.count == 5
    for worker in workers:  # even the right password waits, on every worker
        response = worker.post("/auth/login", data={"email": officer.email, "password": PASSWORD})
        assert response.status_code == 429
    assert checks.count == 5


def test_attempts_racing_in_several_workers_check_no_more_passwords_than_the_limit(
    limited, monkeypatch
):
    """Attempts sent at the same moment to different workers: each is written down before its
    password is checked, so no more than the rule's five are checked, however they interleave.
    The account's hash is slow on purpose (as scrypt is), so that the checks overlap."""
    from werkzeug.security import generate_password_hash

    from workshop.models import User

    user = User(
        email="racing@example.go.th",
        password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:60000"),
        role="officer",
        first_name="ทดสอบ",
    )
    db.session.add(user)
    db.session.commit()
    workers = [limited() for _ in range(4)]
    checks = PasswordChecks(monkeypatch)
    wrong = {"email": user.email, "password": "wrong-password-1"}
    start = threading.Barrier(12)
    statuses: list[int] = []

    def attempt(worker: Flask) -> None:
        client = worker.test_client()
        start.wait()
        statuses.append(client.post("/api/v1/auth/token", json=wrong).status_code)

    threads = [threading.Thread(target=attempt, args=(workers[n % 4],)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses) <= {401, 429} and len(statuses) == 12
    # None at all when every attempt was written before any was counted: all refused.
    assert checks.count <= 5
    # One after another until locked: never more than five checked in all.
    client = workers[0].test_client()
    while client.post("/api/v1/auth/token", json=wrong).status_code != 429:
        assert checks.count <= 5
    assert checks.count == 5


def test_the_failures_table_holds_no_address_and_forgets_old_rows(limited, officer):
    from workshop.models import SignInFailure

    client = limited(RATELIMIT_SIGN_IN_FAILURES="3 per 5 minutes").test_client()
    wrong = {"email": officer.email, "password": "wrong-password-1"}
    for _ in range(2):
        assert client.post("/api/v1/auth/token", json=wrong).status_code == 401
    db.session.commit()  # end this session's read snapshot (SQLite) to see the other app's rows
    rows = SignInFailure.query.all()
    assert len(rows) == 2
    assert all(officer.email not in row.key and "127.0.0.1" not in row.key for row in rows)
    # Rows past the window are deleted by the next attempt, whoever makes it.
    old = utcnow() - timedelta(minutes=6)
    db.session.execute(update(SignInFailure).values(failed_at=old))
    db.session.commit()
    other = {"email": "someone@example.go.th", "password": "x"}
    assert client.post("/api/v1/auth/token", json=other).status_code == 401
    db.session.commit()
    assert [row.failed_at > old for row in SignInFailure.query.all()] == [True]


def test_gunicorn_with_several_workers_and_limits_in_memory_warns_at_start(tmp_path):
    """``gunicorn wsgi:app`` from the project folder reads gunicorn.conf.py, whose start hook
    writes an ERROR line to gunicorn's log when workers would each keep their own limits."""
    import subprocess
    import sys

    from tests.integration.test_wsgi_entry import ROOT

    def start(workers: int, **env: str) -> str:
        (tmp_path / "tiny.py").write_text("def app(environ, start_response):\n    pass\n")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--bind",
                "127.0.0.1:0",
                "--pythonpath",
                str(tmp_path),
                "tiny:app",
            ],
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **env},
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group, so no worker outlives the test
        )
        lines = []
        try:
            for line in process.stderr:  # until the master reports its first worker
                lines.append(line)
                if "Booting worker" in line:
                    break
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
        return "".join(lines)

    log = start(2)
    assert "[ERROR] rate limits per worker: 2 workers keep the rate limits in memory" in log
    assert "WORKSHOP_REDIS_URL" in log
    assert "rate limits per worker" not in start(1)
    assert "rate limits per worker" not in start(2, WORKSHOP_REDIS_URL="redis://127.0.0.1:6379/0")
    assert "rate limits per worker" not in start(2, WORKSHOP_RATELIMIT_ENABLED="false")


def test_certificate_checks_are_limited_per_client_generously(app, limited):
    from limits import parse_many

    client = limited(RATELIMIT_VERIFY="2 per minute").test_client()
    for _ in range(2):
        assert client.get("/verify/AAAA-BBBB-CCCC-DDDD").status_code == 404
        assert client.get("/api/v1/certificates/AAAA-BBBB-CCCC-DDDD").status_code == 404
    page = client.get("/verify/AAAA-BBBB-CCCC-DDDD")
    assert page.status_code == 429
    assert "ถี่เกินไป" in page.get_data(as_text=True)
    assert_rate_limited_json(client.get("/api/v1/certificates/AAAA-BBBB-CCCC-DDDD"))
    other = client.get("/verify/AAAA-BBBB-CCCC-DDDD", environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 404
    # The default lets an office check a stack of certificates in a minute.
    limits = parse_many(app.config["RATELIMIT_VERIFY"])
    assert limits[0].amount >= 100 and limits[0].get_expiry() == 60


def test_uploaded_file_checks_count_against_the_same_limit(app, limited):
    from tests.support import csrf_token_from

    client = limited(RATELIMIT_VERIFY="2 per minute").test_client()

    def upload():
        token = csrf_token_from(client.get("/verify").get_data(as_text=True))
        return client.post(
            "/verify/file",
            data={"csrf_token": token, "file": (io.BytesIO(b"%PDF-1.4 not really"), "c.pdf")},
            content_type="multipart/form-data",
        )

    assert [upload().status_code for _ in range(3)] == [422, 422, 429]


def test_the_production_gunicorn_settings_warn_too(tmp_path, monkeypatch):
    """deploy/gunicorn.conf.py (README, Production) has the same start hook."""
    import runpy

    from tests.integration.test_wsgi_entry import ROOT

    monkeypatch.setenv("WORKSHOP_GUNICORN_PIDFILE", str(tmp_path / "gunicorn.pid"))
    monkeypatch.delenv("WORKSHOP_REDIS_URL", raising=False)
    settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    logged: list[str] = []

    class Server:
        class cfg:
            workers = settings["workers"]

        class log:
            error = staticmethod(lambda message, *args: logged.append(message % args))

    settings["when_ready"](Server)
    assert settings["workers"] > 1
    assert any("keep the rate limits in memory" in line for line in logged)
    monkeypatch.setenv("WORKSHOP_REDIS_URL", "redis://127.0.0.1:6379/0")
    logged.clear()
    settings["when_ready"](Server)
    assert logged == []


def test_password_reset_requests_are_limited_per_client(limited, officer):
    client = limited(RATELIMIT_PASSWORD_RESET="2 per minute").test_client()
    assert client.get("/auth/forgot").status_code == 200  # looking at the page is free
    for n in range(2):
        page = client.post("/auth/forgot", data={"email": f"x{n}@example.go.th"})
        assert page.status_code == 200
    refused = client.post("/auth/forgot", data={"email": officer.email})
    assert refused.status_code == 429
    assert "ถี่เกินไป" in refused.get_data(as_text=True)
    other = client.post(
        "/auth/forgot", data={"email": officer.email}, environ_base={"REMOTE_ADDR": "10.0.0.2"}
    )
    assert other.status_code == 200
