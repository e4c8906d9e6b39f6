"""The library example in examples/ runs (on the fake embedder) and prints what it promises."""

import os
import subprocess
import sys

from tests.conftest import ROOT


def test_library_example_runs(corpus, tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "library.py"), str(corpus), str(tmp_path / "index")],
        capture_output=True, text=True, env={**os.environ, "KB_MODEL": "hashing"}, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "18 item(s) embedded, 18 in the index" in result.stdout
    assert "Almi's items about loans: [" in result.stdout
