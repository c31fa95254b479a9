"""A throwaway PostgreSQL server on loopback, for tests and benchmarks (not for production).

The server lives in a folder, listens on a free port on 127.0.0.1 and on a unix socket
in that folder, and stops when the context ends. PostgreSQL refuses to run as root, so
under root it runs as the ``postgres`` system user (created by Debian's package, or
here when missing).

Examples
--------
>>> pg_bin() is None or pg_bin().name == "bin"
True
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

__all__ = ["pg_bin", "postgres_server"]


def pg_bin() -> Path | None:
    """Folder of ``initdb`` and ``pg_ctl``, or None when PostgreSQL is not installed."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(os.path.realpath(found)).parent
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(d, "initdb").exists() and Path(d, "pg_ctl").exists():
            return Path(d)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_user(cmd: list[str], user: str | None) -> list[str]:
    if user is None:
        return cmd
    if shutil.which("runuser"):
        return ["runuser", "-u", user, "--", *cmd]
    import shlex

    return ["su", user, "-s", "/bin/sh", "-c", " ".join(shlex.quote(c) for c in cmd)]


@contextlib.contextmanager
def postgres_server(base: Path):
    """Start a server in ``base`` (an empty folder); yields its SQLAlchemy-style URL."""
    bindir = pg_bin()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found; install "
                           "the 'postgresql' package")
    base = Path(base)
    user = None
    if os.geteuid() == 0:
        import pwd

        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
            pw = pwd.getpwnam("postgres")
        user = "postgres"
        for p in [base, *base.parents]:  # the server user must be able to reach its folder
            if str(p) == "/":
                break
            mode = p.stat().st_mode
            if not mode & 0o001:
                os.chmod(p, mode | 0o001)
        os.chown(base, pw.pw_uid, pw.pw_gid)
    data, sock, log = base / "data", base / "sock", base / "server.log"
    sock.mkdir()
    if user:
        os.chown(sock, pw.pw_uid, pw.pw_gid)
    subprocess.run(_as_user([str(bindir / "initdb"), "-D", str(data), "-U", "cdmkit",
                             "--auth=trust", "-E", "UTF8", "--no-locale"], user),
                   check=True, capture_output=True)
    port = _free_port()
    opts = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={sock} " \
           "-c fsync=off"
    subprocess.run(_as_user([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", opts,
                             "-w", "-t", "60", "start"], user), check=True, capture_output=True)
    try:
        url = f"postgresql+psycopg://cdmkit@127.0.0.1:{port}/postgres"
        import psycopg

        deadline = time.time() + 30
        while True:
            try:
                psycopg.connect(url.replace("+psycopg", "")).close()
                break
            except psycopg.OperationalError:
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
        yield url
    finally:
        subprocess.run(_as_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w",
                                 "stop"], user), capture_output=True)
