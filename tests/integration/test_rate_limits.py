"""Rate limits and sign-in throttling, on an app of their own with limiting enabled (the
session's app has it off, so that the rest of the suite is unaffected)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from tests.support import PASSWORD
from workshop import create_app
from workshop.extensions import db

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
    elsewhere = limited(RATELIMIT_SIGN_IN_FAILURES="3 per 5 minutes").test_client()
    token_for(elsewhere, officer)


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
        assert any("sign-in-failures" in key for key in keys), keys
        assert any("create_token" in key or "auth/token" in key for key in keys), keys
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
