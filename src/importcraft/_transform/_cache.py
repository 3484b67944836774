"""The bytecode cache of transformed modules.

One file per module, pipeline and optimisation level, beside the module's normal bytecode
(``__pycache__``, or under ``sys.pycache_prefix``)::

    __pycache__/shapes.cpython-311.importcraft-3f9a0c2b7d41e865.pyc
    __pycache__/shapes.cpython-311.importcraft-3f9a0c2b7d41e865.opt-2.pyc

importlib never takes it for a normal ``.pyc`` (``source_from_cache`` refuses the extra part).

Validity is decided by the hash of the source. Reading and hashing the source costs as much as
reading the cache file itself, so the entry also records the source's ``mtime_ns`` and size,
taken *before* the source was read, and when the entry was written. As git does for its index
("racily clean" files): if the source's stat still matches, and the source was already older than
the file system's timestamp granularity when it was hashed, it cannot have changed since, and
the hash is not recomputed. Otherwise (an edit in the same second as the last one, a fresh
checkout with new mtimes) the source is read and hashed; a still-valid entry then gets its header
refreshed. A file whose header does not match, or whose code does not unmarshal, is ignored and
rewritten. Writes go to a temporary file moved into place.
"""

from __future__ import annotations

import marshal
import os
import struct
import sys
import time
from importlib.util import MAGIC_NUMBER, cache_from_source, source_hash
from types import CodeType

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable

_FORMAT = b"ICT2"
_STAT = struct.Struct("<qQq")  # source mtime_ns, source size, when the entry was written (ns)
# Wider than any file system's timestamp granularity (FAT's is 2 s): a source modified less
# than this before its hash was taken may change again without its mtime moving.
RACY_NS = 3_000_000_000

Stat = tuple[int, int]  # (mtime_ns, size) of the source


def cache_path(origin: str, key: str, cached: str | None = None) -> str | None:
    """Where the transformed code of ``origin`` goes, or None if bytecode has no place here.

    ``cached`` is the module's normal bytecode path (``spec.cached``) if it is known, which
    saves working it out again.
    """
    optimize = sys.flags.optimize
    if cached is None or optimize or not cached.endswith(".pyc"):
        try:
            cached = cache_from_source(origin, optimization="")
        except NotImplementedError:
            return None  # sys.implementation.cache_tag is None
    level = f".opt-{optimize}" if optimize else ""
    return f"{cached[:-4]}.importcraft-{key}{level}.pyc"


def _prefix(key: str) -> bytes:
    return MAGIC_NUMBER + _FORMAT + key.encode("ascii")


def read(path: str, key: str, stat: Stat, source: Callable[[], bytes]) -> CodeType | None:
    """The cached code for the current source and this pipeline, or None.

    ``stat`` is the source's (mtime_ns, size) taken now; ``source()`` reads it, and is only
    called when the stat alone cannot vouch for the entry.
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
    unchanged = (mtime_ns, size) == stat and mtime_ns < written_ns - RACY_NS
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
    if not unchanged and stat[0] < time.time_ns() - RACY_NS:
        write(path, key, stat, raw, code)  # valid, and stable now: next time the stat will do
    return code


def write(path: str, key: str, stat: Stat, source: bytes, code: CodeType) -> bool:
    """Store ``code``; False (and no error) where bytecode may not or cannot be written."""
    if sys.dont_write_bytecode:
        return False
    header = _prefix(key) + _STAT.pack(stat[0], stat[1], time.time_ns()) + source_hash(source)
    data = header + marshal.dumps(code)
    temporary = f"{path}.{os.getpid()}.{id(data)}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            with open(fd, "wb") as handle:
                handle.write(data)
            os.replace(temporary, path)
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise
    except OSError:
        return False  # an unwritable folder means no cache, not an error
    return True
