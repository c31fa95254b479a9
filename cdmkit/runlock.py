"""One process at a time per client: the run lock, and the fault-injection hook of the tests.

``cdmkit run`` and ``cdmkit erase`` hold ``<output_dir>/<client>/.lock`` while
they work. The lock is an operating-system file lock (``flock``), so it goes
away with its holder: a lock left by a killed process is taken over at once.
The file records the holder (pid, host, command, start time) so that a second
process can say who is in the way.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> with client_lock(d, "cdmkit run"):
...     with client_lock(d, "cdmkit erase"):  # doctest: +ELLIPSIS
...         pass
Traceback (most recent call last):
...
cdmkit.errors.CdmkitError: client folder ... is in use by cdmkit run (pid ..., host ..., since ...
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from contextlib import contextmanager
from pathlib import Path

from .errors import CdmkitError

__all__ = ["client_lock", "fault_point", "LOCK_FILE", "FAULT_ENV"]

#: Lock file in the client folder.
LOCK_FILE = ".lock"

#: Environment variable naming a fault point at which the process kills itself (tests only).
FAULT_ENV = "CDMKIT_FAULT_POINT"


def fault_point(name: str) -> None:
    """Kill this process with SIGKILL when ``$CDMKIT_FAULT_POINT`` names ``name`` (fault tests).

    Lets the tests crash ``cdmkit run`` and ``cdmkit erase`` deterministically at
    a chosen point, the way a power cut or ``kill -9`` would. Does nothing otherwise.

    Examples
    --------
    >>> fault_point("nowhere")
    """
    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "another process"
    return (f"{info.get('command', 'cdmkit')} (pid {info.get('pid', '?')}, host "
            f"{info.get('host', '?')}, since {info.get('started', '?')})")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def client_lock(client_dir, command: str):
    """Hold the client's lock while the block runs.

    Parameters
    ----------
    client_dir : path
        ``<output_dir>/<client>`` (created when missing).
    command : str
        What the holder is doing, shown to whoever finds the client busy.

    Raises
    ------
    CdmkitError
        If another live process holds the lock, naming it.
    """
    client_dir = Path(client_dir)
    client_dir.mkdir(parents=True, exist_ok=True)
    path = client_dir / LOCK_FILE
    info = {"pid": os.getpid(), "host": socket.gethostname(), "command": command,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: exclusive create, stale pid taken over
        fcntl = None
    if fcntl is None:  # pragma: no cover
        yield from _excl_lock(path, info, client_dir)
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CdmkitError(f"client folder {client_dir} is in use by {_holder(path)}; "
                              "wait for it to finish (or stop that process) and try "
                              "again") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
        try:
            yield info
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _excl_lock(path: Path, info: dict, client_dir: Path):  # pragma: no cover - no fcntl
    for _ in range(2):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            break
        except FileExistsError:
            try:
                old = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                old = {}
            if old.get("host") == info["host"] and not _pid_alive(int(old.get("pid", 0))):
                path.unlink(missing_ok=True)  # stale: its holder is dead
                continue
            raise CdmkitError(f"client folder {client_dir} is in use by {_holder(path)}; "
                              "wait for it to finish (or stop that process) and try again")
    else:
        raise CdmkitError(f"client folder {client_dir}: cannot take the lock {path}")
    os.write(fd, json.dumps(info).encode("utf-8"))
    os.close(fd)
    try:
        yield info
    finally:
        path.unlink(missing_ok=True)
