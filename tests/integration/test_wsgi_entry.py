"""The gunicorn entry point: builds the app and loads the Thai word list before any request."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wsgi_app_starts_with_the_thai_word_list_loaded(tmp_path):
    probe = (
        "import wsgi\n"
        "from workshop.pdf.linebreak import _newmm\n"
        "assert wsgi.app.name == 'workshop'\n"
        "assert _newmm.cache_info().currsize == 1\n"
        "print(wsgi.app.test_client().get('/healthz').status_code)\n"
    )
    env = {"WORKSHOP_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    env["WORKSHOP_DATABASE_URL"] = f"sqlite:///{tmp_path / 'probe.db'}"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-1] == "200"
