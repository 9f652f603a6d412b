"""A throwaway Dovecot IMAP server on a free loopback port (Debian's dovecot-imapd)."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "citizen-mail"
PASSWORD = "imap-test-pass"


@dataclass(frozen=True)
class Dovecot:
    host: str
    port: int
    user: str
    password: str

    @property
    def url(self) -> str:
        return f"imap://{self.user}:{self.password}@{self.host}:{self.port}/INBOX"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def require_dovecot() -> None:
    """Skip without dovecot, or fail when CI requires it (PETITION_REQUIRE_DOVECOT=1)."""
    if not Path(DOVECOT).exists():
        if os.environ.get("PETITION_REQUIRE_DOVECOT") == "1":
            pytest.fail("dovecot required but not installed (apt-get install dovecot-imapd)")
        pytest.skip("dovecot not installed (apt-get install dovecot-imapd)")


@contextmanager
def dovecot_server(base: Path) -> Iterator[Dovecot]:
    """Start dovecot in the foreground with a config under `base`; stop it afterwards."""
    require_dovecot()
    base.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    # Mail processes never run as root: as root, use the unprivileged "dovecot" account.
    if os.getuid() == 0:
        account = pwd.getpwnam("dovenull") if _has_user("dovenull") else pwd.getpwnam("nobody")
        internal = pwd.getpwnam("dovecot").pw_name if _has_user("dovecot") else account.pw_name
        mail_uid, mail_gid, login_user = account.pw_uid, account.pw_gid, account.pw_name
    else:
        me = pwd.getpwuid(os.getuid())
        mail_uid, mail_gid, login_user, internal = me.pw_uid, me.pw_gid, me.pw_name, me.pw_name
    mail_dir = base / "mail"
    mail_dir.mkdir(exist_ok=True)
    (base / "run").mkdir(exist_ok=True)
    if os.getuid() == 0:
        os.chown(mail_dir, mail_uid, mail_gid)
        os.chmod(base, 0o755)
    (base / "passwd").write_text(
        f"{USER}:{{PLAIN}}{PASSWORD}:{mail_uid}:{mail_gid}::{mail_dir}::\n", encoding="utf-8"
    )
    conf = base / "dovecot.conf"
    conf.write_text(
        f"""
protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/run
log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login_user}
first_valid_uid = {min(mail_uid, 1)}
mail_location = maildir:{mail_dir}/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {base}/passwd
}}
userdb {{
  driver = passwd-file
  args = {base}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
""",
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                log = (base / "dovecot.log").read_text() if (base / "dovecot.log").exists() else ""
                raise RuntimeError(f"dovecot exited: {out}\n{log}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("dovecot did not start")
        yield Dovecot("127.0.0.1", port, USER, PASSWORD)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
