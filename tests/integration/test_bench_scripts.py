"""Benchmarks are run by hand, but they must not litter the machine they run on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    bool(os.environ.get("WORKSHOP_TEST_DATABASE_URL")),
    reason="the report bench builds its own SQLite database: once per suite is enough",
)
def test_report_bench_leaves_nothing_in_the_temporary_folder(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    environment = {**os.environ, "TMPDIR": str(scratch)}
    environment.pop("WORKSHOP_DATABASE_URL", None)

    result = subprocess.run(
        [sys.executable, "bench/report_bench.py", "--registrations", "1", "--repeat", "1"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert "report PDF" in result.stdout
    assert list(scratch.iterdir()) == []


@pytest.mark.skipif(
    bool(os.environ.get("WORKSHOP_TEST_DATABASE_URL")),
    reason="the evaluation bench builds its own SQLite database: once per suite is enough",
)
def test_evaluation_bench_times_every_download_and_cleans_up(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    environment = {**os.environ, "TMPDIR": str(scratch)}
    environment.pop("WORKSHOP_DATABASE_URL", None)

    result = subprocess.run(
        [sys.executable, "bench/evaluation_bench.py", "--attendees", "12", "--repeat", "1"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert "12 answers" in result.stdout
    for name in ("results page", "results XLSX", "report PDF"):
        assert name in result.stdout
    assert list(scratch.iterdir()) == []


@pytest.mark.skipif(
    bool(os.environ.get("WORKSHOP_TEST_DATABASE_URL")),
    reason="the scope bench builds its own SQLite databases: once per suite is enough",
)
def test_scope_bench_finds_no_statement_per_row(tmp_path):
    environment = {**os.environ, "TMPDIR": str(tmp_path)}
    environment.pop("WORKSHOP_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "bench/scope_queries_bench.py", "--rows", "3", "40"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "no statement per row" in result.stdout
