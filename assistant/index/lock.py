"""One process at a time on a local index folder: an exclusive, non-blocking file lock.

Chroma's PersistentClient is not safe for several processes on one folder, so whoever
opens it (ingest, search, the web chat) takes `<folder>/.assistant.lock` first. Inside one
process the lock is shared: every store opened on the same folder holds the same lock,
released when the last one closes. The file records the holder's pid and command name
(never its options), so the second process can say who is in the way, and, while
`assistant serve` holds it, the address of its HTTP API (`advertise`), so the read-only
commands of other processes can go through the server instead (`served_url`).
"""

from __future__ import annotations

import fcntl
import os
import sys
import threading
from pathlib import Path

from assistant.errors import IndexStateError

LOCK_NAME = ".assistant.lock"
SERVES = "serves "  # the lock record's line with the holder's HTTP API address
_held: dict[Path, tuple[int, int]] = {}  # folder -> (file descriptor, users in this process)
_registry_lock = threading.Lock()


class FolderLock:
    """A held lock on one index folder; `release()` gives it back (idempotent)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._released = False

    def release(self) -> None:
        with _registry_lock:
            if self._released:
                return
            self._released = True
            fd, users = _held[self.folder]
            if users > 1:
                _held[self.folder] = (fd, users - 1)
                return
            del _held[self.folder]
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def holder_name() -> str:
    """What holds the lock, for the message a second process shows: the program and its
    command ("assistant serve"), never its options (they may carry a password)."""
    program = os.path.basename(sys.argv[0]) if sys.argv else "python"
    skip = False
    for arg in sys.argv[1:]:
        if skip:  # the value of an option
            skip = False
        elif arg.startswith("-"):
            skip = "=" not in arg
        else:
            return f"{program} {arg}"
    return program


def acquire_folder_lock(folder: Path) -> FolderLock:
    """Lock `folder` for this process, or raise IndexStateError naming the holder."""
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    with _registry_lock:
        if folder in _held:
            fd, users = _held[folder]
            _held[folder] = (fd, users + 1)
            return FolderLock(folder)
        path = folder / LOCK_NAME
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 512, 0).decode("utf-8", "replace").strip() or "unknown"
            os.close(fd)
            raise IndexStateError(
                f"The index in {folder} is in use by another process ({holder}); a local "
                "index can be opened by one process at a time.",
                hint=(
                    "Wait for it to finish or stop it (for example the web chat). To share "
                    f"one index between processes, serve it with `chroma run --path {folder} "
                    "--host 127.0.0.1 --port 8000` and set ASSISTANT_INDEX__CHROMA_HOST=127.0.0.1."
                ),
            ) from None
        _write_record(fd)
        _held[folder] = (fd, 1)
        return FolderLock(folder)


def _write_record(fd: int, url: str | None = None) -> None:
    record = f"pid {os.getpid()}: {holder_name()}\n" + (f"{SERVES}{url}\n" if url else "")
    os.ftruncate(fd, 0)
    os.pwrite(fd, record.encode(), 0)


def advertise(folder: Path, url: str | None) -> None:
    """Record in the lock this process holds on `folder` that its HTTP API serves the index
    at `url` (None: withdraw it). Nothing happens when this process does not hold it."""
    folder = Path(folder).resolve()
    with _registry_lock:
        if folder in _held:
            _write_record(_held[folder][0], url)


def served_url(folder: Path) -> str | None:
    """The API address recorded by the process holding `folder`'s lock, if it serves one.
    Ask only after the lock was refused: then the record is its current holder's."""
    try:
        record = (Path(folder).resolve() / LOCK_NAME).read_text(encoding="utf-8")
    except OSError:
        return None
    for line in record.splitlines():
        if line.startswith(SERVES):
            return line[len(SERVES) :].strip() or None
    return None
