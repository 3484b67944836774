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


def write_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file moved into place, making the folder
    if needed: a reader sees the old file or the new one, never part of one. On ``OSError``
    the temporary file is removed and the error raised for the caller to report."""
    from time import time_ns

    temporary = f"{path}.{os.getpid()}.{time_ns()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temporary, "xb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
