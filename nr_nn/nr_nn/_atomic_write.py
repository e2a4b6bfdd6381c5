"""Atomic file writes: the bytes go to a temporary file next to the target, then a rename puts them in place.

The temporary name says which host and process writes it (``.nr-save-<host>-<pid>-<token>.tmp``) and the writer
holds an exclusive ``flock`` on it until the rename, so a later write on the same host can tell the litter of a
killed writer (no lock held) from a file that a live writer, in this process or another, is still filling
(locked): it deletes only the former. Where the file system has no ``flock``, it falls back to the name: a process
that no longer runs, or this process's own pid on a file older than this module's import (a previous process that
had the same pid).
"""
from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import socket
import stat
import time
import zlib

try:
    import fcntl
except ImportError:  # Windows: no flock, and os.kill would terminate the process it probes; sweep nothing
    fcntl = None

_PREFIX = ".nr-save-"
_HOST = f"{zlib.crc32(socket.gethostname().encode()):08x}"
_NAME = re.compile(rf"^{re.escape(_PREFIX)}(?P<host>[0-9a-f]{{8}})-(?P<pid>[1-9][0-9]*)-[0-9a-f]+\.tmp$")
_IMPORTED_AT = time.time()  # every temporary file this process writes is newer than this


def temp_name(folder: str) -> str:
    return os.path.join(folder, f"{_PREFIX}{_HOST}-{os.getpid()}-{secrets.token_hex(4)}.tmp")


def write_atomic(path: str, payload: bytes) -> None:
    """Write ``payload`` to ``path`` through a locked temporary file and a rename. The file gets the mode a plain
    ``open(path, "wb")`` would give it: the existing file's mode, else 0o666 less the umask."""
    folder = os.path.dirname(os.path.abspath(path))
    sweep_stale(folder)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = None
    fd, tmp = _create_locked(folder)
    try:
        with os.fdopen(fd, "wb") as f:
            if mode is not None:
                os.chmod(tmp, mode)
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
            os.replace(tmp, path)  # before close: the lock covers the whole life of the temporary name
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _create_locked(folder: str) -> tuple[int, str]:
    """A new temporary file, open and locked; retried if a sweeper unlinked it before the lock was taken."""
    while True:
        tmp = temp_name(folder)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as for open()
        if _lock(fd, blocking=True) is None or os.fstat(fd).st_nlink:
            return fd, tmp
        os.close(fd)  # a sweeper unlinked it between our open and our lock


def _lock(fd: int, blocking: bool) -> bool | None:
    """True when the exclusive lock is taken, False when another holder has it, None without flock support."""
    if fcntl is None:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        return None  # ENOLCK, EOPNOTSUPP, ...: this file system does not lock
    return True


def sweep_stale(folder: str) -> list[str]:
    """Delete the temporary files of writers that are gone from ``folder``; returns the names deleted."""
    if fcntl is None:
        return []
    try:
        names = [n for n in os.listdir(folder) if n.startswith(_PREFIX)]
    except OSError:
        return []
    removed = []
    for name in names:
        match = _NAME.match(name)
        # only this host's: a lock taken over a network file system may not see another client's
        if match is not None and match["host"] == _HOST and _remove_if_stale(os.path.join(folder, name), match):
            removed.append(name)
    return removed


def _remove_if_stale(path: str, match: re.Match) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:  # gone already, a symlink, not ours to read
        return False
    try:
        locked = _lock(fd, blocking=False)
        if locked is False:
            return False  # a live writer holds it
        if locked is None and not _writer_gone(match, os.fstat(fd).st_mtime):
            return False
        try:
            if os.stat(path, follow_symlinks=False).st_ino != os.fstat(fd).st_ino:
                return False  # replaced since we opened it
            os.unlink(path)  # under our lock: a writer that locks after us sees st_nlink == 0 and starts over
        except OSError:
            return False
        return True
    finally:
        os.close(fd)


def _writer_gone(match: re.Match, mtime: float) -> bool:
    """Without locks: the name's process is known not to run any more."""
    pid = int(match["pid"])
    if pid == os.getpid():
        return mtime < _IMPORTED_AT
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive under another user
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return False
    return text[text.rindex(")") + 2:].startswith("Z")
