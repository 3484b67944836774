"""The bytecode cache of transformed modules.

One file per module, pipeline and optimisation level, beside the module's normal bytecode
(``__pycache__``, or under ``sys.pycache_prefix``)::

    __pycache__/shapes.cpython-311.importcraft-3f9a0c2b7d41e865.pyc
    __pycache__/shapes.cpython-311.importcraft-3f9a0c2b7d41e865.opt-2.pyc

importlib never takes it for a normal ``.pyc`` (``source_from_cache`` refuses the extra part).
Its header holds importlib's magic number, a format tag, the hash of the source bytes and the
pipeline's key; a file whose header does not match, or whose code does not unmarshal, is
ignored and rewritten. Validity is by the source's hash, never its mtime, so edits within the
same second and fresh checkouts are right. Writes go to a temporary file moved into place.
"""

from __future__ import annotations

import marshal
import os
import sys
from importlib.util import MAGIC_NUMBER, cache_from_source, source_hash
from types import CodeType

_FORMAT = b"ICT1"


def cache_path(origin: str, key: str) -> str | None:
    """Where the transformed code of ``origin`` goes, or None if bytecode has no place here."""
    try:
        normal = cache_from_source(origin, optimization="")
    except NotImplementedError:
        return None  # sys.implementation.cache_tag is None
    optimize = sys.flags.optimize
    level = f".opt-{optimize}" if optimize else ""
    return f"{normal[: -len('.pyc')]}.importcraft-{key}{level}.pyc"


def _header(source: bytes, key: str) -> bytes:
    return MAGIC_NUMBER + _FORMAT + source_hash(source) + key.encode("ascii")


def read(path: str, source: bytes, key: str) -> CodeType | None:
    """The cached code for this exact source and pipeline, or None."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    header = _header(source, key)
    if not data.startswith(header):
        return None
    try:
        code = marshal.loads(data[len(header) :])
    except (EOFError, ValueError, TypeError):
        return None  # truncated or corrupt: compiled again and rewritten
    return code if isinstance(code, CodeType) else None


def write(path: str, source: bytes, key: str, code: CodeType) -> bool:
    """Store ``code``; False (and no error) where bytecode may not or cannot be written."""
    if sys.dont_write_bytecode:
        return False
    data = _header(source, key) + marshal.dumps(code)
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
