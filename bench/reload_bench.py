"""Door scans through a gunicorn reload: the longest wait, the failures, memory per worker.

    .venv/bin/python bench/reload_bench.py [--db sqlite|postgresql|both] [--config hup|preload|both]
        [--seconds 30] [--doors 8] [--interval 0.1]

For each database: a fresh schema, one workshop whose first session is running, 6,000 confirmed
registrations, a staff token, and gunicorn with 4 workers serving bench_app (the real app, its
Thai word list loaded as wsgi.py does). ``--doors`` door phones each send a first scan (a new
ticket every time) every ``--interval`` seconds with the staff's bearer token, and a monitor asks
``GET /healthz`` as often; halfway through ``--seconds`` the server is reloaded:

- ``hup``: the command line used until now (``gunicorn --workers 4 wsgi:app``, no config file),
  reloaded with ``kill -HUP``: gunicorn forks 4 new workers that each import the app, and stops
  the old ones at once, so requests queue until a new worker has finished importing.
- ``preload``: ``gunicorn -c deploy/gunicorn.conf.py`` (``preload_app``), reloaded with
  ``deploy/reload.sh``: a new master loads the new code while the old workers go on serving,
  forks its workers, and only then is the old master stopped gracefully.

Prints, per configuration: the longest wait of any request and the longest in the seconds
around the reload, p99, how many requests failed (refused, timed out after 10 s, 5xx) and how
many waited longer than the scanner's 8 s; the reload's own duration; and the memory of each
worker (RSS, and USS: the pages that are the worker's alone, what another worker adds) after
the door load and after each worker rendered a Thai report PDF. Target (issue 12): no request
waits more than 1 s during a reload; issue 18: under 100 MiB unique memory per worker.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.checkin_bench import BENCH_CHECKIN_LIMIT, prepare
from bench.server import ROOT, SECRET_KEY, bench_app, each_database, free_port

WORKERS = 4
TICKETS = 6_000
REQUEST_TIMEOUT = 10.0  # seconds; the scanner itself gives up after 8
SCANNER_TIMEOUT = 8.0
GUNICORN = str(Path(sys.executable).parent / "gunicorn")  # USR2 re-executes this command
CONFIG = str(ROOT / "deploy" / "gunicorn.conf.py")
RELOAD = str(ROOT / "deploy" / "reload.sh")
MIB = 1024 * 1024


@dataclass
class Sample:
    started: float  # monotonic seconds
    wait: float  # seconds until the answer (or the failure)
    ok: bool
    kind: str  # "scan" or "health"


@dataclass
class Load:
    """Door phones and a health monitor, each a thread sending one request at a time."""

    port: int
    tickets: list[str]
    session_id: int
    doors: int
    interval: float
    samples: list[Sample] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    _next_ticket: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _ticket(self) -> str:
        with self._lock:
            self._next_ticket += 1
            return self.tickets[self._next_ticket % len(self.tickets)]

    def _request(self, method: str, path: str, body: str = "", headers=None) -> tuple[bool, int]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=body or None, headers=headers or {})
            response = connection.getresponse()
            response.read()
            return response.status < 500, response.status
        except OSError:
            return False, 0
        finally:
            connection.close()

    def _run(self, kind: str) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            if kind == "scan":
                body = json.dumps({"session_id": self.session_id, "ticket": self._ticket()})
                ok, status = self._request(
                    "POST",
                    "/api/v1/checkins",
                    body,
                    {"Authorization": "Bearer bench-staff", "Content-Type": "application/json"},
                )
                ok = ok and status in (200, 201)
            else:
                ok, status = self._request("GET", "/healthz")
                ok = ok and status == 200
            wait = time.monotonic() - started
            with self._lock:
                self.samples.append(Sample(started, wait, ok, kind))
            self.stop.wait(max(0.0, self.interval - wait))

    @contextmanager
    def running(self) -> Iterator[Load]:
        threads = [threading.Thread(target=self._run, args=("scan",)) for _ in range(self.doors)]
        threads.append(threading.Thread(target=self._run, args=("health",)))
        for thread in threads:
            thread.start()
        try:
            yield self
        finally:
            self.stop.set()
            for thread in threads:
                thread.join()


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def memory(pid: int) -> tuple[float, float]:
    """(RSS, USS) of a process in MiB; USS counts the pages no other process maps."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":")
        fields[name] = int(value.split()[0]) * 1024
    return fields["Rss"] / MIB, (fields["Private_Clean"] + fields["Private_Dirty"]) / MIB


class Server:
    """gunicorn in one of the two configurations; knows its current master across reloads."""

    def __init__(self, config: str, database_url: str, instance: Path) -> None:
        self.config = config
        self.port = free_port()
        self.pidfile = instance / "gunicorn.pid"
        env = {
            **os.environ,
            "WORKSHOP_DATABASE_URL": database_url,
            "WORKSHOP_INSTANCE_PATH": str(instance),
            "WORKSHOP_SECRET_KEY": SECRET_KEY,  # the key prepare() signed tickets with
            "WORKSHOP_RATELIMIT_CHECKIN": BENCH_CHECKIN_LIMIT,
        }
        env.pop("WORKSHOP_MAIL_SERVER", None)
        common = [
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--pid",
            str(self.pidfile),
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT / "bench"),
        ]
        args = [GUNICORN, *common, "bench_app:app"]
        if config == "preload":
            args = [GUNICORN, "--config", CONFIG, *common, "bench_app:app"]
        self.process = subprocess.Popen(args, env=env, cwd=ROOT)
        self.wait_for_workers(self.process.pid)

    def master(self) -> int:
        return int(self.pidfile.read_text())

    def workers(self) -> list[int]:
        return _children(self.master())

    def wait_for_workers(self, master: int, timeout: float = 120) -> None:
        """Until ``master`` has all its workers and one of them answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(_children(master)) >= WORKERS:
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                    connection.request("GET", "/bench/hello")
                    if connection.getresponse().status == 200:
                        return
                except OSError:
                    pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def reload(self) -> None:
        if self.config == "hup":
            os.kill(self.master(), signal.SIGHUP)
        else:
            subprocess.run([RELOAD, str(self.pidfile)], check=True)

    def stop(self) -> None:
        master = self.master() if self.pidfile.exists() else self.process.pid
        if _alive(master):
            os.kill(master, signal.SIGTERM)
        deadline = time.monotonic() + 60
        while _alive(master) and time.monotonic() < deadline:
            time.sleep(0.1)
            if master == self.process.pid:
                self.process.poll()
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@contextmanager
def watch_reload(server: Server) -> Iterator[list[tuple[str, float]]]:
    """When the reload's steps are seen: the new master's pid file (it has loaded the app), the
    first old worker gone, the old master gone (the one this benchmark started)."""
    events: list[tuple[str, float]] = []
    old_workers, done = set(server.workers()), threading.Event()
    new_pidfile = server.pidfile.with_name(server.pidfile.name + ".2")
    steps = {
        "new master loaded": new_pidfile.exists,
        "old workers stopping": lambda: not old_workers <= set(_children(server.process.pid)),
        "old master gone": lambda: server.process.poll() is not None,
    }

    def watch() -> None:
        while steps and not (done.is_set() and server.config == "hup"):
            for name, seen in list(steps.items()):
                if seen():
                    events.append((name, time.monotonic()))
                    del steps[name]
            time.sleep(0.02)

    thread = threading.Thread(target=watch)
    thread.start()
    try:
        yield events
    finally:
        done.set()
        thread.join()


def report_pdfs(port: int, workshop_id: int, count: int) -> None:
    """``count`` report PDFs, 4 at a time, so that every worker typesets Thai text."""

    def fetch() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.request(
            "GET",
            f"/api/v1/workshops/{workshop_id}/report.pdf",
            headers={"Authorization": "Bearer bench-organizer"},
        )
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"report.pdf answered {response.status}")

    for _ in range(0, count, WORKERS):
        threads = [threading.Thread(target=fetch) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def print_memory(label: str, server: Server) -> None:
    master = server.master()
    rows = [memory(pid) for pid in server.workers()]
    rss, _ = memory(master)
    print(
        f"    memory {label}: master RSS {rss:.0f} MiB; workers RSS "
        + ", ".join(f"{r:.0f}" for r, _ in rows)
        + " MiB; USS "
        + ", ".join(f"{u:.0f}" for _, u in rows)
        + f" MiB (mean USS {sum(u for _, u in rows) / len(rows):.0f} MiB)"
    )


def summarise(samples: list[Sample], reload_start: float, reload_end: float) -> None:
    if not samples:
        return
    around = [s for s in samples if reload_start - 1 <= s.started <= reload_end + 5]
    for kind in ("scan", "health"):
        mine = [s for s in samples if s.kind == kind]
        waits = sorted(s.wait for s in mine)
        near = [s.wait for s in around if s.kind == kind]
        failed = sum(not s.ok for s in mine)
        late = sum(s.wait > SCANNER_TIMEOUT for s in mine)
        over_1s = sum(s.wait > 1.0 for s in mine)
        print(
            f"    {kind:<6} {len(mine):>5} requests: longest wait {waits[-1] * 1000:>6.0f} ms "
            f"(around the reload {max(near, default=0) * 1000:.0f} ms), "
            f"p99 {waits[int(len(waits) * 0.99)] * 1000:.0f} ms, "
            f"p50 {waits[len(waits) // 2] * 1000:.0f} ms; {over_1s} over 1 s, "
            f"{late} over the scanner's 8 s, {failed} failed"
        )
    print(f"    reload command took {(reload_end - reload_start) * 1000:.0f} ms")
    slow = sorted((s for s in samples if s.wait > 1.0), key=lambda s: s.started)
    if slow:
        print(
            "    requests over 1 s (start from the reload, wait): "
            + ", ".join(f"{s.started - reload_start:+.1f}s {s.wait:.1f}s" for s in slow[:20])
        )
    # The worst second, to see where the stall sits.
    buckets: dict[int, float] = {}
    for s in samples:
        second = int(s.started - reload_start + 100) - 100
        buckets[second] = max(buckets.get(second, 0.0), s.wait)
    line = " ".join(
        f"{second:+d}s:{buckets[second] * 1000:.0f}"
        for second in sorted(buckets)
        if -2 <= second <= reload_end - reload_start + 12
    )
    print(f"    longest wait (ms) by second from the reload: {line}")


def organizer_token(database_url: str, instance: Path) -> int:
    """A bearer token for the bench organizer; returns the workshop id."""
    from sqlalchemy import select

    from workshop.extensions import db
    from workshop.models import ApiToken, User, Workshop
    from workshop.models.types import utcnow
    from workshop.services.accounts import _digest

    app = bench_app(database_url, instance)
    with app.app_context():
        organizer = db.session.scalar(select(User).where(User.email == "organizer@bench.go.th"))
        db.session.add(
            ApiToken(
                user_id=organizer.id,
                digest=_digest("bench-organizer"),
                expires_at=utcnow() + timedelta(days=1),
            )
        )
        workshop_id = db.session.scalar(select(Workshop.id))
        db.session.commit()
        db.engine.dispose()
    return workshop_id


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--config", choices=["hup", "preload", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--doors", type=int, default=8)
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--reports", type=int, default=8, help="report PDFs before the memory")
    args = parser.parse_args()
    configs = ["hup", "preload"] if args.config == "both" else [args.config]
    print(
        f"Reload benchmark: gunicorn {WORKERS} workers, {args.doors} doors scanning every "
        f"{args.interval * 1000:.0f} ms and /healthz as often, {args.seconds:.0f} s, "
        "a reload halfway"
    )
    for label, url, instance in each_database(args.db):
        session_id, _other, tickets_file = prepare(url, instance, TICKETS)
        workshop_id = organizer_token(url, instance)
        tickets = tickets_file.read_text().split()
        print(f"{label}:")
        for config in configs:
            print(f"  {config}:")
            server = Server(config, url, instance)
            try:
                load = Load(server.port, tickets, session_id, args.doors, args.interval)
                with load.running():
                    time.sleep(args.seconds / 2)
                    print_memory("after door load", server)
                    reload_start = time.monotonic()
                    with watch_reload(server) as events:
                        server.reload()
                    reload_end = time.monotonic()
                    time.sleep(args.seconds / 2)
                summarise(load.samples, reload_start, reload_end)
                print(
                    "    reload steps: "
                    + ", ".join(f"{name} +{at - reload_start:.1f}s" for name, at in events)
                )
                server.wait_for_workers(server.master())
                report_pdfs(server.port, workshop_id, args.reports)
                print_memory(f"after {args.reports} report PDFs", server)
            finally:
                server.stop()
            # The next configuration scans new tickets as first scans too.
            scanned = load._next_ticket
            tickets = tickets[scanned:] + tickets[:scanned]


if __name__ == "__main__":
    main()
