"""A throw-away Dovecot IMAP server for the poller tests, run unprivileged in a temporary directory."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aioimaplib
import trustme

from tests.support.ports import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
PASSWORD = "secret"
DH_PARAMETERS = Path("/usr/share/dovecot/dh.pem")

_CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
ssl_dh = <{root}/dh.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {user}
default_internal_user = {user}
default_internal_group = {group}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
"""


@dataclass(frozen=True)
class Dovecot:
    port: int
    tls_port: int
    root: Path


@dataclass(frozen=True)
class ImapAccount:
    port: int
    tls_port: int
    user: str


def available() -> bool:
    return Path(DOVECOT).is_file() and DH_PARAMETERS.is_file()


@contextmanager
def running_dovecot(ca: trustme.CA) -> Iterator[Dovecot]:
    # Dovecot's login processes refuse to run as root, so a root test run hands the server to "nobody".
    as_root = os.geteuid() == 0
    account = pwd.getpwnam("nobody") if as_root else pwd.getpwuid(os.geteuid())
    root = Path(tempfile.mkdtemp(prefix="hub-dovecot-"))
    try:
        port, tls_port = free_port(), free_port()
        _write_files(root, ca, account, port, tls_port)
        process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
            user=account.pw_uid if as_root else None,
            group=account.pw_gid if as_root else None,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_until_listening(port, process)
            yield Dovecot(port=port, tls_port=tls_port, root=root)
        finally:
            process.terminate()
            process.wait(timeout=10)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _write_files(root: Path, ca: trustme.CA, account: pwd.struct_passwd, port: int, tls_port: int) -> None:
    certificate = ca.issue_cert("127.0.0.1", "localhost")
    certificate.cert_chain_pems[0].write_to_path(str(root / "cert.pem"))
    certificate.private_key_pem.write_to_path(str(root / "key.pem"))
    shutil.copy(DH_PARAMETERS, root / "dh.pem")
    (root / "dovecot.conf").write_text(
        _CONFIG.format(
            root=root,
            user=account.pw_name,
            group=_group_name(account.pw_gid),
            uid=account.pw_uid,
            gid=account.pw_gid,
            password=PASSWORD,
            port=port,
            tls_port=tls_port,
        )
    )
    if os.geteuid() == 0:
        for path in (root, *root.iterdir()):
            os.chown(path, account.pw_uid, account.pw_gid)


def _group_name(gid: int) -> str:
    return grp.getgrgid(gid).gr_name


def _wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as probe:
                if probe.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("dovecot did not start listening")


async def admin_client(account: ImapAccount) -> aioimaplib.IMAP4:
    client = aioimaplib.IMAP4(host="127.0.0.1", port=account.port, timeout=10)
    await client.wait_hello_from_server()
    response = await client.login(account.user, PASSWORD)
    assert response.result == "OK", response
    return client
