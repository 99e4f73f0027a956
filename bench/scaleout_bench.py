"""The app scaled out: gunicorn with 4 workers on PostgreSQL (and Redis when given), checked for
correctness under races that cross worker processes, then for check-in load. With --balanced,
two gunicorn instances (2 workers each, on different ports) behind Caddy's load balancer
(round robin), sharing the database and Redis: the same checks must give the same results.

    .venv/bin/python bench/scaleout_bench.py [--db postgresql|sqlite|both] [--seconds 10]
        [--redis-url redis://127.0.0.1:6379/0] [--balanced]

1. Registration race: 500 officers send POST /workshops/{id}/registrations at the same moment
   (500 connections, released together) for a workshop with 100 seats. Exactly 100 must be
   confirmed and 400 waitlisted at distinct places in line, and the seat counters must agree.
2. Duplicate scans: 200 door devices send the same ticket at the same moment: one 201
   ("checked_in"), 199 × 200 ("already_checked_in"), one row.
3. Check-in load: wrk with 32 connections for --seconds; afterwards every stored check-in is
   for a distinct person and the live counter equals the number of rows.
4. Rate limits across workers: 80 sign-in attempts from one address, 20 at a time, against a
   limit of 60 a minute. With --redis-url (WORKSHOP_REDIS_URL: the workers share the counters)
   exactly 60 get through; without it each worker counts alone and more do.
Prints a line per check and exits non-zero if any check fails.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import checkin_bench, registration_bench
from bench.server import (
    bench_app,
    bench_arguments,
    each_database,
    free_port,
    gunicorn,
    print_row,
    run_wrk,
)

SEATS = 100
RACERS = 500
DOORS = 200

# The server side of every check: one gunicorn (4 workers), or two behind Caddy (--balanced).
INSTANCES = 1


@contextmanager
def serving(database_url: str, instance: Path, **settings: str) -> Iterator[str]:
    """The app as the run is set up: one gunicorn, or INSTANCES of them behind Caddy."""
    if INSTANCES == 1:
        with gunicorn(database_url, instance, **settings) as base:
            yield base
        return
    with ExitStack() as stack:
        upstreams = [
            stack.enter_context(gunicorn(database_url, instance, workers=2, **settings))
            for _ in range(INSTANCES)
        ]
        yield stack.enter_context(balancer(upstreams))


@contextmanager
def balancer(upstreams: list[str]) -> Iterator[str]:
    """Caddy on a free port, spreading requests round robin over ``upstreams``."""
    caddy = shutil.which("caddy")
    if caddy is None:
        sys.exit("caddy is not installed (Debian package caddy; make system-deps installs it)")
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="bench-caddy-"))
    hosts = " ".join(u.removeprefix("http://") for u in upstreams)
    (folder / "Caddyfile").write_text(
        "{\n\tadmin off\n\tauto_https off\n\tlog default {\n\t\tlevel ERROR\n\t}\n}\n"
        f"http://127.0.0.1:{port} {{\n\treverse_proxy {hosts} {{\n"
        "\t\tlb_policy round_robin\n\t\tlb_try_duration 5s\n\t}\n}\n"
    )
    env = {**os.environ, "XDG_DATA_HOME": str(folder), "XDG_CONFIG_HOME": str(folder)}
    process = subprocess.Popen(
        [caddy, "run", "--adapter", "caddyfile", "--config", str(folder / "Caddyfile")], env=env
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).connect()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("Caddy did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def stampede(base: str, requests: list[tuple[str, str, dict[str, str], bytes]]) -> list[int]:
    """Send every request on its own connection, all released at the same moment; statuses."""
    address = urlsplit(base)
    start = threading.Barrier(len(requests))

    def send(request: tuple[str, str, dict[str, str], bytes]) -> int:
        method, path, headers, body = request
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
        try:
            connection.connect()
            start.wait(timeout=120)
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status
        except OSError:
            return 0
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))


def registration_race(label: str, url: str, instance: Path, settings: dict[str, str]) -> bool:
    workshop_id = registration_bench.prepare(url, instance, capacity=SEATS, officers=RACERS)
    path = f"/api/v1/workshops/{workshop_id}/registrations"
    requests = [
        (
            "POST",
            path,
            {"Authorization": f"Bearer bench-{n}", "Content-Type": "application/json"},
            b"{}",
        )
        for n in range(RACERS)
    ]
    with serving(url, instance, MAIL_DELIVERY="manual", **settings) as base:
        started = time.perf_counter()
        statuses = stampede(base, requests)
        elapsed = time.perf_counter() - started
    from sqlalchemy import func, select

    from workshop.extensions import db
    from workshop.models import Registration, Workshop

    app = bench_app(url, instance)
    with app.app_context():
        counts = dict(
            db.session.execute(
                select(Registration.status, func.count()).group_by(Registration.status)
            ).all()
        )
        places = db.session.scalars(
            select(Registration.waitlist_seq).where(Registration.status == "waitlisted")
        ).all()
        workshop = db.session.get(Workshop, workshop_id)
        counters = (workshop.confirmed_count, workshop.waitlist_count)
        db.engine.dispose()
    ok = (
        statuses.count(201) == RACERS
        and counts.get("confirmed") == SEATS
        and counts.get("waitlisted") == RACERS - SEATS
        and len(set(places)) == len(places)
        and counters == (SEATS, RACERS - SEATS)
    )
    print(
        f"  registration race: {RACERS} at once for {SEATS} seats in {elapsed:.2f} s -> "
        f"statuses {dict(sorted((s, statuses.count(s)) for s in set(statuses)))}, stored "
        f"{counts}, counters confirmed={counters[0]} waitlisted={counters[1]}, "
        f"{len(set(places))} distinct places in line: {'OK' if ok else 'FAILED'}"
    )
    return ok


def checkin_load(label: str, url: str, instance: Path, seconds: int, settings: dict) -> bool:
    session_id, _floor_session, tickets_file = checkin_bench.prepare(url, instance, tickets=20_000)
    tickets = tickets_file.read_text().split()
    body = json.dumps({"session_id": session_id, "ticket": tickets[-1]}).encode()
    headers = {"Authorization": "Bearer bench-staff", "Content-Type": "application/json"}
    raised = {**settings, "RATELIMIT_CHECKIN": checkin_bench.BENCH_CHECKIN_LIMIT}
    with serving(url, instance, **raised) as base:
        health = stampede(base, [("GET", "/healthz", {}, b"")])[0]
        statuses = stampede(base, [("POST", "/api/v1/checkins", headers, body)] * DOORS)
        load = run_wrk(
            f"{base}/api/v1/checkins",
            seconds,
            checkin_bench.CONNECTIONS,
            checkin_bench.checkin_lua(tickets_file, session_id),
        )
    print_row("POST check-in across workers", load)
    from sqlalchemy import func, select

    from workshop.extensions import db
    from workshop.models import CheckIn, CheckInTally

    app = bench_app(url, instance)
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(CheckIn))
        people = db.session.scalar(select(func.count(func.distinct(CheckIn.registration_id))))
        counter = db.session.scalar(select(func.sum(CheckInTally.checked_in)))
        db.engine.dispose()
    duplicates_ok = statuses.count(201) == 1 and statuses.count(200) == DOORS - 1
    load_ok = load["errors"] == 0 and load["non2xx"] == 0 and rows == people == counter
    print(
        f"  /healthz: {health}; {DOORS} doors scan one ticket at once -> 201×"
        f"{statuses.count(201)}, 200×{statuses.count(200)}: {'OK' if duplicates_ok else 'FAILED'}"
    )
    print(
        f"  after the load: {rows} check-in rows, {people} distinct people, live counter "
        f"{counter}: {'OK' if load_ok else 'FAILED'}"
    )
    return duplicates_ok and load_ok


def sign_in_limit(label: str, url: str, instance: Path, settings: dict[str, str]) -> bool:
    """Run after checkin_load on the same database (its schema and accounts)."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    limited = {**settings, "WTF_CSRF_ENABLED": "false", "RATELIMIT_SIGN_IN": "60 per minute"}
    statuses: list[int] = []
    with serving(url, instance, **limited) as base:
        for batch in range(4):
            # A different account each time, so only the per-address limit can refuse.
            statuses += stampede(
                base,
                [
                    (
                        "POST",
                        "/auth/login",
                        form,
                        f"email=nobody{batch}-{n}%40bench.go.th&password=x".encode(),
                    )
                    for n in range(20)
                ],
            )
    passed = statuses.count(422)  # the sign-in form again, saying the password is wrong
    shared = bool(settings.get("REDIS_URL"))
    ok = statuses.count(429) + passed == len(statuses) and (
        passed == 60 if shared else passed >= 60
    )
    print(
        f"  sign-in limit 60/min, 80 attempts over {INSTANCES} instance(s): {passed} answered, "
        f"{statuses.count(429)} × 429 ({'shared Redis counters' if shared else 'per-worker memory'}"
        f"): {'OK' if ok else 'FAILED'}"
    )
    return ok


def main() -> None:
    global INSTANCES
    balanced = "--balanced" in sys.argv
    if balanced:
        sys.argv.remove("--balanced")
        INSTANCES = 2
    args = bench_arguments(__doc__, default_db="postgresql", redis=True)
    settings = {"REDIS_URL": args.redis_url} if args.redis_url else {}
    servers = "2 gunicorn × 2 workers behind Caddy" if balanced else "gunicorn 4 workers"
    print(f"Scale-out: {servers}{' + Redis ' + args.redis_url if args.redis_url else ''}")
    results = []
    for label, url, instance in each_database(args.db):
        print(f"{label}:")
        results.append(registration_race(label, url, instance, settings))
    for label, url, instance in each_database(args.db):
        print(f"{label}:")
        results.append(checkin_load(label, url, instance, args.seconds, settings))
        results.append(sign_in_limit(label, url, instance, settings))
    if not all(results):
        sys.exit(1)


if __name__ == "__main__":
    main()
