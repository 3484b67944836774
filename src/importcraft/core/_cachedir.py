"""Where importcraft keeps its caches that live outside the source tree (the entry-point
index, the import graph's statements): ``IMPORTCRAFT_CACHE_DIR``, else
``$XDG_CACHE_HOME/importcraft``, else ``~/.cache/importcraft``."""

from __future__ import annotations

import os

ENV_DIRECTORY = "IMPORTCRAFT_CACHE_DIR"


def cache_directory() -> str:
    """The cache directory, read from the environment at every call."""
    directory = os.environ.get(ENV_DIRECTORY)
    if directory:
        return os.path.abspath(directory)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):  # the XDG spec: a relative value is ignored
        return os.path.join(xdg, "importcraft")
    return os.path.join(os.path.expanduser("~"), ".cache", "importcraft")


# A temporary file younger than this may belong to a writer still at work in another process.
ORPHAN_AGE_NS = 60_000_000_000
# folder -> the temporary files seen when it was first listed by this process
_temporaries: dict[str, list[str]] = {}


def write_atomically(path: str, data: bytes, *, mode: int = 0o666) -> None:
    """Write ``data`` to ``path`` through a temporary file moved into place, making the folder
    if needed and removing the temporary files of the same entry left by writers that died: a
    reader sees the old file or the new one, never part of one. ``mode``: the new file's
    permission bits (before the umask). On ``OSError`` the temporary file is removed and the
    error raised for the caller to report."""
    from time import time_ns

    folder, name = os.path.split(path)
    temporary = f"{path}.{os.getpid()}.{time_ns()}.tmp"
    try:
        os.makedirs(folder, exist_ok=True)
        _remove_orphans(folder, name + ".")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with open(fd, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _remove_orphans(folder: str, prefix: str) -> None:
    """Remove the temporary files of one entry (``prefix``) left by writers that died.

    The folder is listed once per process, at its first write (listing it at every write
    would make caching a package of n modules cost n² directory reads); the temporary files
    seen then are kept, and each write looks only at those of its own entry. A temporary file
    younger than ``ORPHAN_AGE_NS`` may belong to a writer still at work in another process:
    it is left alone (a later process removes it if it really is an orphan).
    """
    names = _temporaries.get(folder)
    if names is None:
        try:
            with os.scandir(folder) as entries:
                names = [e.name for e in entries if e.name.endswith(".tmp")]
        except OSError:
            names = []
        _temporaries[folder] = names
    mine = [name for name in names if name.startswith(prefix)]
    if not mine:
        return
    _temporaries[folder] = [name for name in names if not name.startswith(prefix)]
    from time import time_ns

    old = time_ns() - ORPHAN_AGE_NS
    for name in mine:
        orphan = os.path.join(folder, name)
        try:
            if os.stat(orphan).st_mtime_ns < old:
                os.unlink(orphan)
        except OSError:
            pass  # gone already, or not ours to remove
