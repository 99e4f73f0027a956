"""Shared benchmark plumbing: a database prepared with demo load, gunicorn, wrk."""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN = os.environ.get(
    "BENCH_POSTGRES_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# Dropped and created again by every run: give each person running benchmarks their own.
POSTGRES_DB = os.environ.get("BENCH_POSTGRES_DB", "workshop_bench")
# One strong key per benchmark run, shared by the set-up app and the gunicorn servers (tickets
# made by one must verify in the other); a weak key would be refused at start.
SECRET_KEY = secrets.token_hex(32)


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL
        )
        return shutil.which("wrk") or sys.exit("wrk did not install")
    sys.exit("wrk is needed: apt-get install wrk")


def fresh_postgres() -> str:
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {POSTGRES_DB}")
    return POSTGRES_ADMIN.rsplit("/", 1)[0] + "/" + POSTGRES_DB


def database_urls(instance: Path, which: str) -> list[tuple[str, str]]:
    urls = []
    if which in ("sqlite", "both"):
        urls.append(("SQLite", f"sqlite:///{instance / 'bench.db'}"))
    if which in ("postgresql", "both"):
        urls.append(("PostgreSQL", fresh_postgres()))
    return urls


def bench_arguments(doc: str, default_db: str = "both", redis: bool = False) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default=default_db)
    parser.add_argument("--seconds", type=int, default=10)
    if redis:
        parser.add_argument("--redis-url", default="", help="shared rate-limit storage")
    return parser.parse_args()


def each_database(which: str) -> Iterator[tuple[str, str, Path]]:
    """(label, database URL, fresh instance folder) for every database asked for. The SQLite
    database and the instance folders live in one temporary folder, removed when the loop
    ends (or stops early)."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        folder = Path(tmp)
        for label, url in database_urls(folder, which):
            instance = folder / f"instance-{label.lower()}"
            instance.mkdir()
            yield label, url, instance


def reset_postgres_schema(url: str) -> None:
    """Empty a PostgreSQL scratch database the caller names (``--database-url``): its public
    schema dropped and made again."""
    from sqlalchemy import create_engine, text

    from workshop.config import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def scratch_databases(tmp: Path, postgres_url: str | None) -> Iterator[tuple[str, str, Path]]:
    """(label, database URL, fresh instance folder): SQLite under ``tmp``, then the PostgreSQL
    scratch database when one is given (emptied first). For the benches run in-process, which
    take ``--database-url``; the gunicorn benches use ``each_database``."""
    databases = [("SQLite", f"sqlite:///{tmp / 'bench.db'}")]
    if postgres_url:
        databases.append(("PostgreSQL", postgres_url))
    for label, url in databases:
        if label == "PostgreSQL":
            reset_postgres_schema(url)
        instance = tmp / f"instance-{label.lower()}"
        instance.mkdir()
        yield label, url, instance


def seat_everyone(workshop_id: int, user_ids: Iterable[int], batch: int = 5000) -> None:
    """Insert a confirmed registration of the workshop for each user, in batches, as a bench's
    set-up (inside an app context; counters are the caller's). Ticket secrets are made from
    the user id: no bench scans them."""
    from sqlalchemy import insert

    from workshop.extensions import db
    from workshop.models import Registration

    now = datetime.now(UTC)
    rows = [
        {
            "workshop_id": workshop_id,
            "user_id": user_id,
            "status": "confirmed",
            "ticket_secret": f"{user_id:032d}",
            "created_at": now,
            "confirmed_at": now,
        }
        for user_id in user_ids
    ]
    for first in range(0, len(rows), batch):
        db.session.execute(insert(Registration), rows[first : first + batch])


def bench_app(database_url: str, instance: Path, **settings: Any):
    """The app on a benchmark database (the secret the gunicorn servers use too)."""
    from workshop import create_app

    return create_app(
        {
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": SECRET_KEY,
            **settings,
        }
    )


BENCH_OFFICE = "สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก"


def bench_office():
    """The office whose workshops the benchmarks run (made on first use)."""
    from workshop.services.offices import OfficeInput, create_office, office_by_name

    return office_by_name(BENCH_OFFICE) or create_office(
        OfficeInput(name=BENCH_OFFICE, province="พิษณุโลก"), None
    )


def bench_organizer():
    """The organizer who owns the benchmark's venue and workshop (inside an app context)."""
    from workshop.services.accounts import create_user

    return create_user(
        email="organizer@bench.go.th",
        password="bench-password",
        role="organizer",
        first_name="ผู้จัด",
        office_id=bench_office().id,
    )


def reference_workshop(venue_id: int, start: datetime, capacity: int, organizer: Any):
    """The reference workshop's day (inside an app context): opening and lectures, then the
    workshop after lunch, from ``start``; registration closed the day before."""
    from workshop.services.workshops import SessionInput, WorkshopInput, create_workshop

    return create_workshop(
        WorkshopInput(
            title="ประชุมเชิงปฏิบัติการเพิ่มประสิทธิภาพเจ้าหน้าที่พัฒนาชุมชน ปี 2559",
            organizing_agency="สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก",
            venue_id=venue_id,
            capacity=capacity,
            registration_opens_at=start - timedelta(days=30),
            registration_closes_at=start - timedelta(days=1),
            sessions=[
                SessionInput(
                    title="พิธีเปิดและการบรรยาย",
                    starts_at=start,
                    ends_at=start + timedelta(hours=3.5),
                ),
                SessionInput(
                    title="ประชุมเชิงปฏิบัติการ",
                    starts_at=start + timedelta(hours=4.5),
                    ends_at=start + timedelta(hours=8),
                ),
            ],
        ),
        organizer,
    )


def officer_batches(count: int, batch: int = 5000):
    """Yield lists of flushed officer accounts (one shared password hash), ``batch`` at a time;
    call inside an app context and commit after each batch."""
    from werkzeug.security import generate_password_hash

    from workshop.extensions import db
    from workshop.models import User

    password_hash = generate_password_hash("bench-password")
    for first in range(0, count, batch):
        users = [
            User(
                email=f"officer{n}@bench.go.th",
                password_hash=password_hash,
                role="officer",
                title_prefix="นาย",
                first_name=f"ทดสอบ{n}",
                last_name="ใจดี",
                agency="สำนักงานพัฒนาชุมชนอำเภอวังทอง",
                district="วังทอง",
                province="พิษณุโลก",
            )
            for n in range(first, min(first + batch, count))
        ]
        db.session.add_all(users)
        db.session.flush()
        yield first, users


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def open_window() -> tuple[datetime, datetime, datetime]:
    now = datetime.now(UTC).replace(microsecond=0)
    return now - timedelta(days=1), now + timedelta(days=9), now + timedelta(days=10)


@contextmanager
def gunicorn(database_url: str, instance: Path, workers: int = 4, **settings: str) -> Iterator[str]:
    """gunicorn serving bench_app on a free port; yields the base URL. ``settings`` become
    WORKSHOP_* variables (e.g. MAIL_DELIVERY="manual")."""
    port = free_port()
    env = {
        **os.environ,
        "WORKSHOP_DATABASE_URL": database_url,
        "WORKSHOP_INSTANCE_PATH": str(instance),
        "WORKSHOP_SECRET_KEY": SECRET_KEY,
        **{f"WORKSHOP_{key}": value for key, value in settings.items()},
    }
    env.pop("WORKSHOP_MAIL_SERVER", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT / "bench"),
            "bench_app:app",
        ],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    _SERVERS[base] = process.pid
    wait_until_ready(port, workers)
    try:
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


# Base URL -> gunicorn master pid, so run_wrk can account the CPU the server spends.
_SERVERS: dict[str, int] = {}
_TICKS = os.sysconf("SC_CLK_TCK")


def _proc_stats() -> dict[int, tuple[int, float, str]]:
    """pid -> (parent pid, CPU seconds used, command line) for every process."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        stats[int(entry.name)] = (
            int(fields[1]),
            (int(fields[11]) + int(fields[12])) / _TICKS,
            cmdline,
        )
    return stats


def server_cpu_seconds(root_pid: int) -> float:
    """CPU seconds used so far by gunicorn (master and workers) and by the PostgreSQL backends
    serving the benchmark database: what the server side spends, whatever else the machine
    runs at the same time."""
    stats = _proc_stats()
    tree, total = {root_pid}, 0.0
    for pid, (parent, cpu, cmdline) in sorted(stats.items()):
        if pid in tree or parent in tree:
            tree.add(pid)
            total += cpu
        elif cmdline.startswith("postgres: ") and f" {POSTGRES_DB} " in cmdline:
            total += cpu
    return total


def wait_until_ready(port: int, workers: int) -> None:
    """gunicorn binds the port before its workers have imported the app: wait until answers
    come back fast enough that every worker must be serving."""
    deadline = time.monotonic() + 90
    fast = 0
    while time.monotonic() < deadline and fast < 10 * workers:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/hello", timeout=5) as r:
                r.read()
            fast = fast + 1 if time.monotonic() - started < 0.05 else 0
        except OSError:
            fast = 0
            time.sleep(0.2)
    time.sleep(0.5)


LUA_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format(
    "RESULT requests=%d duration_us=%d errors=%d non2xx=%d p50=%d p95=%d p99=%d\\n",
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def run_wrk(url: str, seconds: int, connections: int, script: str = "") -> dict[str, float]:
    """Run wrk and return req/s and latency percentiles in milliseconds."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script + LUA_REPORT)
        lua = handle.name
    threads = min(connections, 4)
    server = next((pid for base, pid in _SERVERS.items() if url.startswith(base)), None)
    server_before = server_cpu_seconds(server) if server else 0.0
    client_before = os.times()
    try:
        out = subprocess.run(
            [
                require_wrk(),
                "-t",
                str(threads),
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "--timeout",
                "10s",
                "-s",
                lua,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(lua)
    client_after = os.times()
    server_cpu = server_cpu_seconds(server) - server_before if server else 0.0
    client_cpu = (client_after.children_user + client_after.children_system) - (
        client_before.children_user + client_before.children_system
    )
    match = re.search(r"RESULT (.*)", out)
    if not match:
        raise RuntimeError(out)
    fields = dict(item.split("=") for item in match.group(1).split())
    seconds_run = int(fields["duration_us"]) / 1e6
    return {
        "requests": int(fields["requests"]),
        "rps": int(fields["requests"]) / seconds_run,
        "errors": int(fields["errors"]),
        "non2xx": int(fields["non2xx"]),
        "p50": int(fields["p50"]) / 1000,
        "p95": int(fields["p95"]) / 1000,
        "p99": int(fields["p99"]) / 1000,
        # CPU milliseconds per request on the server side (gunicorn + PostgreSQL backends) and
        # in wrk: unlike req/s, barely affected by other work on the machine.
        "server_cpu_ms": server_cpu * 1000 / max(int(fields["requests"]), 1),
        "client_cpu_ms": client_cpu * 1000 / max(int(fields["requests"]), 1),
    }


def print_row(label: str, result: dict[str, float]) -> None:
    print(
        f"  {label:<28} {result['rps']:>8.0f} req/s   p50 {result['p50']:>6.1f} ms   "
        f"p95 {result['p95']:>6.1f} ms   p99 {result['p99']:>6.1f} ms   "
        f"({result['requests']} requests, {result['non2xx']} non-2xx, {result['errors']} errors)"
    )
    if result.get("server_cpu_ms"):
        print(
            f"  {'':<28} CPU per request: server {result['server_cpu_ms']:.2f} ms, "
            f"wrk {result['client_cpu_ms']:.2f} ms"
        )


def measure_in_child(script: str, repeat: int, *args: object) -> dict[str, Any]:
    """Run ``script --repeat N --measure ARGS...`` in a fresh Python process (a cold worker: the
    Thai word list and fonts not yet loaded) and return the JSON its last line prints; the
    child's error ends the benchmark with its message."""
    child = subprocess.run(
        [sys.executable, script, "--repeat", str(repeat), "--measure", *map(str, args)],
        capture_output=True,
        text=True,
    )
    if child.returncode != 0:
        sys.exit(child.stderr[-3000:])
    return json.loads(child.stdout.strip().splitlines()[-1])
