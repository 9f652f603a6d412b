"""Processes starting together on a fresh data dir end up with one data key and one session key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CODE = """
import sys
from pathlib import Path
from storage.crypto import load_keyring
from web.auth import secret_key
d = Path(sys.argv[1])
print(load_keyring(d).current, secret_key(d, None))
"""


def test_concurrent_starts_agree_on_the_keys(tmp_path: Path) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CODE, str(tmp_path)], stdout=subprocess.PIPE, text=True, cwd=REPO
        )
        for _ in range(6)
    ]
    outputs = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert all(p.returncode == 0 for p in procs)
    assert len(outputs) == 1, outputs
    assert sorted(f.name for f in tmp_path.iterdir()) == ["data.key", "secret_key"]  # no temporary files left
    assert (tmp_path / "data.key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
