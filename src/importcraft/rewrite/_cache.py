"""The bytecode cache of transformed modules.

One file per module, pipeline and optimisation level, beside the module's normal bytecode
(``__pycache__``, or under ``sys.pycache_prefix``)::

    __pycache__/shapes.cpython-311.importcraft-3f9a0c2b7d41e865.pyc
    __pycache__/shapes.cpython-311.importcraft-3f9a0c2b7d41e865.opt-2.pyc

importlib never takes it for a normal ``.pyc`` (``source_from_cache`` refuses the extra part).

With ``IMPORTCRAFT_CACHE_DIR`` (or :func:`set_cache_dir`) the files go under that directory
instead, in a tree mirroring the sources' absolute paths (as under ``sys.pycache_prefix``), and
are written even when ``sys.dont_write_bytecode`` is set (``PYTHONDONTWRITEBYTECODE=1``): the
directory was asked for explicitly.

An entry's header holds importlib's magic number (the Python version's bytecode format), the
pipeline's key (each transformer's identity and code, and the interpreter's cache tag: see
``_engine.pipeline_key``) and the hash of the source it was made from. What is checked when:

- The magic number and the pipeline key, at every read (they are part of the header's prefix).
- The source's hash, whenever the source's stat cannot vouch for it. Reading and hashing the
  source costs as much as reading the cache file itself, so the entry also records the
  source's ``mtime_ns`` and size, taken *before* the source was read, and when the entry was
  written. As git does for its index ("racily clean" files): if the source's stat still
  matches, and the source was already older than the file system's timestamp granularity when
  it was hashed, it cannot have changed since, and the hash is not recomputed. Otherwise (an
  edit in the same second as the last one, a fresh checkout with new mtimes) the source is read
  and hashed; a still-valid entry then gets its header refreshed.
- With ``IMPORTCRAFT_CACHE_CHECK=hash`` (or :func:`set_check`), at every read, whatever the
  stat says: for trees whose timestamps say nothing (builds that set every mtime to one value),
  like CPython's checked-hash ``.pyc`` files.

A file whose header does not match, or whose code does not unmarshal, is ignored and rewritten.
Code read from the cache gets the source's current path as ``co_filename`` (the tree may have
moved since it was written), as importlib does for ``.pyc`` files. Writes go to a temporary
file moved into place, with the source's permission bits (as importlib's); temporary files of
the same entry left by a process that died while writing (older than a minute: a younger one may
belong to a writer still at work) are removed when another process next writes the entry.
"""

from __future__ import annotations

import _imp
import marshal
import os
import struct
import sys
import time
from _imp import _fix_co_filename  # type: ignore[attr-defined]

# importlib.util's own source (it would load contextlib, functools, collections on every warm
# import): the functions importlib.util re-exports, and its source_hash.
from importlib._bootstrap_external import (  # type: ignore[attr-defined]
    _RAW_MAGIC_NUMBER,
    MAGIC_NUMBER,
    cache_from_source,
)
from types import CodeType

from ..core._cachedir import write_atomically

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable

_FORMAT = b"ICT2"
_STAT = struct.Struct("<qQq")  # source mtime_ns, source size, when the entry was written (ns)
# Wider than any file system's timestamp granularity (FAT's is 2 s): a source modified less
# than this before its hash was taken may change again without its mtime moving.
RACY_NS = 3_000_000_000

Stat = tuple[int, int, int]  # (mtime_ns, size, st_mode) of the source

ENV_DIRECTORY = "IMPORTCRAFT_CACHE_DIR"
ENV_CHECK = "IMPORTCRAFT_CACHE_CHECK"
_CHECKS = ("stat", "hash")


def _directory_from(value: str | os.PathLike[str] | None) -> str | None:
    if value is None or not os.fspath(value):
        return None
    return os.path.abspath(os.fspath(value))


def _check_from_env() -> bool:
    value = os.environ.get(ENV_CHECK, "") or "stat"
    if value not in _CHECKS:
        from ..core._errors import ImportcraftWarning
        from ..core._frames import warn_at_user

        warn_at_user(
            f"{ENV_CHECK}={value!r} is not one of {', '.join(_CHECKS)}: using 'stat'",
            ImportcraftWarning,
        )
    return value == "hash"


# Read once, when the first transform hook is made: set_cache_dir() and set_check() change them.
_directory: str | None = _directory_from(os.environ.get(ENV_DIRECTORY))
_always_hash: bool = _check_from_env()


def set_cache_dir(directory: str | os.PathLike[str] | None) -> Callable[[], None]:
    """Keep the transform cache under ``directory`` (None: beside the sources again).

    Overrides ``IMPORTCRAFT_CACHE_DIR``. The cache is then written even when
    ``sys.dont_write_bytecode`` is set. Returns the function that restores the previous
    setting (for a Hook). The configuration file's cache directory comes through here.
    """
    global _directory
    previous = _directory
    _directory = _directory_from(directory)

    def undo() -> None:
        global _directory
        _directory = previous

    return undo


def set_check(check: str) -> Callable[[], None]:
    """``"stat"`` (the default: the source is hashed when its stat cannot vouch for the entry)
    or ``"hash"`` (hashed at every import). Overrides ``IMPORTCRAFT_CACHE_CHECK``; returns the
    function that restores the previous setting."""
    global _always_hash
    if check not in _CHECKS:
        raise ValueError(f"cache check {check!r}: expected one of {', '.join(_CHECKS)}")
    previous = _always_hash
    _always_hash = check == "hash"

    def undo() -> None:
        global _always_hash
        _always_hash = previous

    return undo


def cache_info() -> dict[str, object]:
    """Whether and where transformed code is cached, for ``importcraft show --cache-info``.

    ``directory``: the explicit cache directory, or None (beside the sources, in
    ``__pycache__`` or under ``sys.pycache_prefix``); ``reads``/``writes``: whether entries are
    read and written; ``check``: ``"stat"`` or ``"hash"``; ``why``: the reason, in words.
    """
    if not sys.implementation.cache_tag:
        return {
            "directory": _directory,
            "reads": False,
            "writes": False,
            "check": "hash" if _always_hash else "stat",
            "why": "this interpreter has no bytecode cache tag (sys.implementation.cache_tag)",
        }
    writes = _directory is not None or not sys.dont_write_bytecode
    if _directory is not None:
        why = f"explicit cache directory {_directory} ({ENV_DIRECTORY} or the configuration)"
        if sys.dont_write_bytecode:
            why += "; written although sys.dont_write_bytecode is set, as it was asked for"
    elif sys.pycache_prefix:
        why = f"under sys.pycache_prefix {sys.pycache_prefix}"
    else:
        why = "beside the sources, in __pycache__"
    if not writes:
        why += (
            "; not written: sys.dont_write_bytecode is set (PYTHONDONTWRITEBYTECODE or -B): "
            f"set {ENV_DIRECTORY} to cache anyway"
        )
    return {
        "directory": _directory,
        "reads": True,
        "writes": writes,
        "check": "hash" if _always_hash else "stat",
        "why": why,
    }


def cache_path(origin: str, key: str, cached: str | None = None) -> str | None:
    """Where the transformed code of ``origin`` goes, or None if bytecode has no place here.

    ``origin`` is the source's absolute path. ``cached`` is the module's normal bytecode path
    (``spec.cached``) if it is known, which saves working it out again.
    """
    optimize = sys.flags.optimize
    level = f".opt-{optimize}" if optimize else ""
    if _directory is not None:
        tag = sys.implementation.cache_tag
        if not tag:
            return None
        head, tail = os.path.split(origin)
        # The source's folder, mirrored under the cache directory, as under sys.pycache_prefix.
        folder = os.path.join(_directory, os.path.splitdrive(head)[1].lstrip(os.sep + "/"))
        return os.path.join(folder, f"{tail.rpartition('.')[0]}.{tag}.importcraft-{key}{level}.pyc")
    if cached is None or optimize or not cached.endswith(".pyc"):
        try:
            cached = cache_from_source(origin, optimization="")
        except NotImplementedError:
            return None  # sys.implementation.cache_tag is None
    return f"{cached[:-4]}.importcraft-{key}{level}.pyc"


def source_hash(data: bytes) -> bytes:
    """``importlib.util.source_hash``: the hash checked-hash ``.pyc`` files hold."""
    return _imp.source_hash(_RAW_MAGIC_NUMBER, data)


def _prefix(key: str) -> bytes:
    return MAGIC_NUMBER + _FORMAT + key.encode("ascii")


def read(
    path: str, key: str, stat: Stat, source: Callable[[], bytes], origin: str
) -> CodeType | None:
    """The cached code for the current source and this pipeline, or None.

    ``stat`` is the source's stat taken now; ``source()`` reads it, and is only called when
    the stat alone cannot vouch for the entry. ``origin`` is the source's path now.
    """
    try:
        with open(path, "rb", buffering=0) as handle:
            data = handle.readall()
    except OSError:
        return None
    prefix = _prefix(key)
    start = len(prefix) + _STAT.size
    if not data.startswith(prefix) or len(data) < start + 8:
        return None
    mtime_ns, size, written_ns = _STAT.unpack_from(data, len(prefix))
    digest = data[start : start + 8]
    unchanged = (
        mtime_ns == stat[0]
        and size == stat[1]
        and mtime_ns < written_ns - RACY_NS
        and not _always_hash
    )
    if not unchanged:
        raw = source()
        if source_hash(raw) != digest:
            return None
    try:
        code = marshal.loads(memoryview(data)[start + 8 :])
    except (EOFError, ValueError, TypeError):
        return None  # truncated or corrupt: compiled again and rewritten
    if not isinstance(code, CodeType):
        return None
    _fix_co_filename(code, origin)  # the tree may have moved since the entry was written
    if not unchanged and not _always_hash and stat[0] < time.time_ns() - RACY_NS:
        write(path, key, stat, raw, code)  # valid, and stable now: next time the stat will do
    return code


def write(path: str, key: str, stat: Stat, source: bytes, code: CodeType) -> bool:
    """Store ``code``; False (and no error) where bytecode may not or cannot be written."""
    if sys.dont_write_bytecode and _directory is None:
        return False
    header = _prefix(key) + _STAT.pack(stat[0], stat[1], time.time_ns()) + source_hash(source)
    data = header + marshal.dumps(code)
    # As importlib's: the source's permission bits (a private source gives a private cache),
    # always writable by the owner so the entry can be replaced.
    mode = (stat[2] | 0o200) & 0o666
    try:
        write_atomically(path, data, mode=mode)  # old orphans of this entry removed too
    except OSError:
        return False  # an unwritable folder means no cache, not an error
    return True
