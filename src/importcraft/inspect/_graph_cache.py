"""The import statements of many files: read with every core, kept in a per-file cache.

The cache holds, for each file of a package tree, the statements ``_graph_scan.scan`` found in
it (before names are resolved: resolution depends on the set of modules, which any file added
or removed changes) and the problems met. One cache file per tree read (its root directory and
the Python version make the name), under importcraft's cache directory
(``core._cachedir.cache_directory()``, in a ``graph`` folder), written to a temporary file
moved into place, so a reader sees the old cache or the new one, never half of one.

An entry is used again without reading its file when the file's size and ``mtime_ns`` are the
ones recorded and the mtime was older than the racy window (3 s) when the entry was written
(a file edited within the window could change again without its mtime moving). Otherwise the
file is read and hashed: the same hash as recorded means the same statements (the entry's
stat is refreshed), another means the file is read again. Changing one file re-reads that
file only.
"""

from __future__ import annotations

import marshal
import os
import sys
import time

from ..core._cachedir import cache_directory, write_atomically
from ..rewrite._cache import RACY_NS, source_hash
from ._graph_scan import scan

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._graph_scan import Problem, Statement

    # (mtime_ns, size, when the entry was written (ns), content hash,
    #  marshal.dumps((statements, problems)): unpacked only when used, copied as is on writing)
    Entry = tuple[int, int, int, bytes, bytes]

_MAGIC = "importcraft graph statements 2"
# Fewer files than this to read, or fewer bytes: one process reads them (a pool costs more).
POOL_MIN_FILES = 64
POOL_MIN_BYTES = 2_000_000
_warned_write = False


def cache_file(root: str) -> str:
    """The cache file of the package tree at ``root``."""
    key = f"{os.path.abspath(root)}\0{sys.version_info[0]}.{sys.version_info[1]}"
    digest = source_hash(key.encode("utf-8", "surrogatepass")).hex()
    return os.path.join(cache_directory(), "graph", f"{digest}.statements")


def _load(path: str) -> dict[str, Entry]:
    try:
        with open(path, "rb") as stream:
            data = stream.read()
    except OSError:
        return {}
    try:
        magic, entries = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return {}  # damaged or foreign: never trusted, rebuilt
    if magic != _MAGIC or not isinstance(entries, dict):
        return {}
    return entries


def _store(path: str, entries: dict[str, Entry]) -> None:
    global _warned_write
    try:
        write_atomically(path, marshal.dumps((_MAGIC, entries)))
    except OSError as error:
        if not _warned_write:
            _warned_write = True
            import warnings

            from ..core._errors import ImportcraftWarning

            warnings.warn(
                f"import_graph(): cannot write the statement cache {path} ({error}); the "
                "graph is right but the next build reads every file again. Set "
                "IMPORTCRAFT_CACHE_DIR to a writable directory, or pass cache=False",
                ImportcraftWarning,
                stacklevel=4,
            )


def _read_one(file: str) -> tuple[str, int, int, bytes, list[Statement], list[Problem]]:
    """Read and scan one file: (file, mtime_ns, size, hash, statements, problems); the stat
    is taken before reading, so a change made while reading is seen next time."""
    try:
        stat = os.stat(file)
        with open(file, "rb") as stream:
            data = stream.read()
    except OSError as error:
        return file, 0, -1, b"", [], [(0, f"cannot read the file: {error}")]
    statements, problems = scan(data)
    return file, stat.st_mtime_ns, stat.st_size, source_hash(data), statements, problems


def _read_chunk(
    files: list[str],
) -> list[tuple[str, int, int, bytes, list[Statement], list[Problem]]]:
    return [_read_one(file) for file in files]


def _read_many(
    files: list[tuple[str, int]],
) -> list[tuple[str, int, int, bytes, list[Statement], list[Problem]]]:
    """Read and scan ``files`` ((path, size) pairs), in a pool of processes (one a core) when
    they are many and big enough to pay for it, else here."""
    cores = os.cpu_count() or 1
    total = sum(size for _, size in files)
    if cores < 2 or len(files) < POOL_MIN_FILES or total < POOL_MIN_BYTES:
        return _read_chunk([file for file, _ in files])
    import multiprocessing
    import threading

    # The module as sys.modules has it now (not concurrent.futures' cached attribute, which
    # outlives a reload of the module): the pool pickles its own classes by that name.
    from concurrent.futures.process import ProcessPoolExecutor

    # Chunks of about equal bytes, biggest files first, several per worker to even the load.
    count = min(len(files), cores * 4)
    chunks: list[list[str]] = [[] for _ in range(count)]
    loads = [0] * count
    for file, size in sorted(files, key=lambda item: -item[1]):
        smallest = loads.index(min(loads))
        chunks[smallest].append(file)
        loads[smallest] += size
    try:
        # fork starts a worker in a millisecond; with other threads running it is unsafe.
        methods = multiprocessing.get_all_start_methods()
        method = "fork" if "fork" in methods and threading.active_count() == 1 else None
        context = multiprocessing.get_context(method)
        with ProcessPoolExecutor(max_workers=cores, mp_context=context) as pool:
            return [item for chunk in pool.map(_read_chunk, chunks) for item in chunk]
    except (OSError, RuntimeError) as error:
        # No semaphores or /dev/shm (some sandboxes), or a spawned worker that could not start
        # (a script without `if __name__ == "__main__":`): the same files, read here, slower.
        _warn_once(
            f"import_graph(): could not read the files in worker processes ({error!r}); "
            "reading them in this process instead"
        )
        return _read_chunk([file for file, _ in files])


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    key = message.partition("(")[0]
    if key in _warned:
        return
    _warned.add(key)
    import warnings

    from ..core._errors import ImportcraftWarning

    warnings.warn(message, ImportcraftWarning, stacklevel=5)


def read_statements(
    root: str, files: list[str], *, cache: bool = True
) -> dict[str, tuple[list[Statement], list[Problem]]]:
    """The statements and problems of each of ``files`` (the modules of the tree at ``root``),
    from the cache where it vouches for them, else read (and cached when ``cache``)."""
    path = cache_file(root) if cache else ""
    old = _load(path) if cache else {}
    entries: dict[str, Entry] = {}
    now = time.time_ns()
    result: dict[str, tuple[list[Statement], list[Problem]]] = {}
    to_read: list[tuple[str, int]] = []
    changed = len(old) != len(files)
    for file in files:
        entry = old.get(file)
        try:
            stat = os.stat(file)
        except OSError:
            to_read.append((file, 0))
            continue
        if (
            entry is not None
            and entry[0] == stat.st_mtime_ns
            and entry[1] == stat.st_size
            and entry[0] < entry[2] - RACY_NS
        ):
            entries[file] = entry
            result[file] = marshal.loads(entry[4])
        else:
            to_read.append((file, stat.st_size))
    for file, mtime_ns, size, digest, statements, problems in _read_many(to_read):
        entry = old.get(file)
        if entry is not None and entry[3] == digest and entry[1] == size:
            blob = entry[4]  # the same bytes: the same statements
            # Written again only if the entry's stat can now vouch for it (out of the window).
            changed = changed or entry[0] != mtime_ns or mtime_ns < now - RACY_NS
        else:
            blob = marshal.dumps((statements, problems))
            changed = True
        if size >= 0:
            entries[file] = (mtime_ns, size, now, digest, blob)
        result[file] = (statements, problems)
    if cache and changed:
        _store(path, entries)
    return result
