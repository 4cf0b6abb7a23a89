"""Files only the server's user may read: the data folder 0700, its files 0600.

The database holds messages and token hashes, so nobody else on the machine may read it. SQLite
creates its -wal and -shm files with the database file's permissions, so creating that file 0600
first covers them too.
"""

from __future__ import annotations

import os
from pathlib import Path


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) readable by the owner only; an existing folder is left as is."""
    if not path.is_dir():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path, 0o700)  # mkdir's mode is cut by the umask
    return path


def private_file(path: Path) -> Path:
    """Create `path` if missing; either way make it readable and writable by the owner only."""
    private_dir(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    return path
