"""Benchmarks are run by hand, but they must not litter the machine they run on."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Each bench builds its own SQLite database: once per suite (the SQLite run) is enough.
once_per_suite = pytest.mark.skipif(
    bool(os.environ.get("WORKSHOP_TEST_DATABASE_URL")),
    reason="the bench builds its own SQLite database: once per suite is enough",
)


def run_bench(scratch: Path, script: str, *args: str) -> str:
    """Run ``bench/<script>`` with ``scratch`` as its temporary folder; its output, once it
    succeeded."""
    environment = {**os.environ, "TMPDIR": str(scratch)}
    environment.pop("WORKSHOP_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, f"bench/{script}", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


@once_per_suite
def test_report_bench_leaves_nothing_in_the_temporary_folder(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()

    output = run_bench(scratch, "report_bench.py", "--registrations", "1", "--repeat", "1")

    assert "report PDF" in output
    assert list(scratch.iterdir()) == []


@once_per_suite
def test_evaluation_bench_times_every_download_and_cleans_up(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()

    output = run_bench(scratch, "evaluation_bench.py", "--attendees", "12", "--repeat", "1")

    assert "12 answers" in output
    for name in ("results page", "results XLSX", "report PDF"):
        assert name in output
    assert list(scratch.iterdir()) == []


@once_per_suite
def test_scope_bench_finds_no_statement_per_row(tmp_path):
    output = run_bench(tmp_path, "scope_queries_bench.py", "--rows", "3", "40")
    assert "no statement per row" in output


@once_per_suite
def test_signin_sheet_bench_leaves_nothing_in_the_temporary_folder(tmp_path):
    output = run_bench(tmp_path, "signin_sheet_bench.py", "--people", "3", "--repeat", "1")
    assert "SQLite" in output and "target" in output
    assert list(tmp_path.iterdir()) == []


def test_certificate_bench_leaves_nothing_in_the_temporary_folder(tmp_path):
    output = run_bench(
        tmp_path, "certificate_bench.py", "--count", "2", "--repeat", "1", "--signed", "1"
    )
    assert "one signed certificate" in output
    assert list(tmp_path.iterdir()) == []


def test_the_benches_databases_are_removed_after_the_loop(tmp_path, monkeypatch):
    """``each_database`` (the gunicorn benches' loop): its SQLite database and instance
    folders are there during the loop and gone after it."""
    from bench.server import each_database

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    seen = []
    for label, url, instance in each_database("sqlite"):
        assert label == "SQLite" and url.startswith(f"sqlite:///{tmp_path}")
        assert instance.is_dir()
        seen.append(instance)
    assert seen
    assert list(tmp_path.iterdir()) == []
