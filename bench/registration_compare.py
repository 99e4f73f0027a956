"""Registration throughput of this tree against another git revision, interleaved on one run.

    .venv/bin/python bench/registration_compare.py [--base offices] [--db sqlite|postgresql|both]
        [--rounds 3] [--seconds 5]

The other revision is unpacked with ``git archive`` into a temporary folder. Each round runs
the registration part of ``bench/registration_bench.py`` (fresh schema, a workshop with 1,000
seats, 32 wrk connections POSTing registrations with a different officer each) once in the base
tree, once in this tree, and once in this tree with 200 of the seats held as office quotas
(``services.quotas``: the general pool then has 800), alternating so that the shared machine's
load falls on all alike. Prints each run and the medians of req/s, p50 latency and the server's
CPU milliseconds per request (gunicorn and PostgreSQL backends: the figure other load on the
machine changes least).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs inside a tree (its bench/ and workshop/ first on sys.path): one registration measurement.
ONE_RUN = r"""
import json, sys
from bench.registration_bench import CONNECTIONS, REGISTER_LUA, prepare
from bench.server import bench_app, each_database, gunicorn, run_wrk

db, seconds, quotas = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
for label, url, instance in each_database(db):
    workshop_id = prepare(url, instance)  # 40,000 officers: wrk threads start 10,000 apart
    if quotas:
        from workshop.services.offices import OfficeInput, create_office
        from workshop.services.quotas import set_quotas
        app = bench_app(url, instance)
        with app.app_context():
            office = create_office(OfficeInput(name="สำนักงานพัฒนาชุมชนอำเภอวังทอง"), None)
            from workshop.models import User
            organizer = User.query.filter_by(email="organizer@bench.go.th").one()
            set_quotas(workshop_id, {office.id: 200}, None, organizer)
            from workshop.extensions import db as database
            database.engine.dispose()
    with gunicorn(url, instance, MAIL_DELIVERY="manual") as base:
        result = run_wrk(
            f"{base}/api/v1/workshops/{workshop_id}/registrations", seconds, CONNECTIONS,
            REGISTER_LUA,
        )
    print("RESULT " + json.dumps({"db": label, **result}))
"""


def run(tree: Path, db: str, seconds: int, quotas: bool) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", ONE_RUN, db, str(seconds), "1" if quotas else "0"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [json.loads(line[7:]) for line in out.splitlines() if line.startswith("RESULT ")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="offices", help="git revision to compare against")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    base_tree = Path(tempfile.mkdtemp(prefix="bench-base-"))
    archive = subprocess.run(
        ["git", "archive", args.base], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(base_tree)], input=archive, check=True)
    variants = (
        (f"before ({args.base})", base_tree, False),
        ("after", ROOT, False),
        ("after, 200 seats in quotas", ROOT, True),
    )
    results: dict[tuple[str, str], list[dict]] = {}
    try:
        measure(variants, args, results)
    finally:
        shutil.rmtree(base_tree, ignore_errors=True)
    print("medians:")
    for (db, label), rows in results.items():
        rps = statistics.median(r["rps"] for r in rows)
        p50 = statistics.median(r["p50"] for r in rows)
        cpu = statistics.median(r["server_cpu_ms"] for r in rows)
        print(
            f"  {db:<10} {label:<28} {rps:>7.0f} req/s  p50 {p50:>6.1f} ms  "
            f"server CPU {cpu:.2f} ms/req  ({len(rows)} runs)"
        )


def measure(variants, args: argparse.Namespace, results: dict[tuple[str, str], list[dict]]) -> None:
    for round_number in range(1, args.rounds + 1):
        for label, tree, quotas in variants:
            for result in run(tree, args.db, args.seconds, quotas):
                results.setdefault((result["db"], label), []).append(result)
                print(
                    f"round {round_number} {result['db']:<10} {label:<28} "
                    f"{result['rps']:>7.0f} req/s  p50 {result['p50']:>6.1f} ms  "
                    f"p99 {result['p99']:>6.1f} ms  "
                    f"server CPU {result['server_cpu_ms']:.2f} ms/req  non-2xx {result['non2xx']}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
