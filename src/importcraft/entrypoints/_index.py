"""Entry points of installed distributions, by group, from a persistent index.

``entry_points(group)`` and ``groups()`` give what ``importlib.metadata`` gives over the same
path (default ``sys.path``): the ``.dist-info`` and ``.egg-info`` metadata of each path entry in
path order, within one entry in the order importlib.metadata lists them, the first distribution
of a normalised name winning. Only distributions on the path are seen: those that other
``sys.meta_path`` finders serve through ``find_distributions`` are not (the plugin manager adds
those itself).

What they read is kept in one file, ``entry-points.index`` in importcraft's cache directory
(``IMPORTCRAFT_CACHE_DIR``, else ``$XDG_CACHE_HOME/importcraft``, else ``~/.cache/importcraft``),
and in memory for the rest of the process. The index is keyed by path entry (its absolute
path), and each entry records the stat -- ``mtime_ns``, ``ctime_ns``, size, inode -- of:

- the entry itself (a directory's stat changes when a distribution is installed, upgraded or
  removed, and a zip file's whenever it is rewritten; a missing entry is recorded as missing);
- in each distribution with an ``entry_points.txt``, that file and the metadata file read
  (``METADATA``, else ``PKG-INFO``): an ``entry_points.txt`` or ``METADATA`` rewritten in place
  changes only its own stat;
- in each distribution without one, its ``.dist-info`` directory, whose stat changes when an
  ``entry_points.txt`` appears in it (its metadata does not reach any answer: the name that
  de-duplicates comes from the directory's name, as in importlib.metadata; when that is not
  a ``name-version.dist-info`` one, the metadata files are checked too).

Every call compares those stats with the disk (one or two ``stat`` calls per distribution,
relative to the entry's directory; no file read) and reads again only the entries that
differ, and in them only the distributions whose stats differ, so a stale index is never
used and no manual step is needed after ``pip``, ``uv``, an editable install (PEP 660: its
``.dist-info`` sits in site-packages, and the ``.pth`` file that puts its code on the path
changes ``sys.path``, whose entries are the key) or an edit. The ``ctime`` catches tools that
put back old modification times.

"Racily clean" stats (git's term): a file changed twice within the file system's timestamp
granularity may keep its stat. So a stat less than ``RACY_NS`` (3 s, wider than any file
system's granularity) older than the scan that recorded it does not vouch for anything: that
distribution (or that entry's listing) is read again at every call until it is old enough,
and the index is then rewritten with it marked clean.

The file is written to a temporary file moved into place (``os.replace``), so readers see the
old index or the new one, never half of one. A file that is not a whole index of this format
(truncated, foreign, another format version, or whose CRC-32 does not match: damaged) is never
trusted: it is rebuilt. If the
cache directory cannot be written, results are still right (read from disk, kept in memory)
and one ``ImportcraftWarning`` per process says which directory failed and how to choose
another. The file is marshal data like ``__pycache__``: the cache directory must be as trusted
as the code itself.

The warm path (index valid) imports nothing beyond ``os``, ``sys``, ``marshal`` and ``zlib``
(for the CRC): not
``importlib.metadata``, ``email``, ``zipfile``, ``csv``, ``json``, ``typing`` or ``re``.

Deliberate differences from importlib.metadata: a line of ``entry_points.txt`` without ``=``
is skipped (importlib.metadata raises ``ValueError`` for the whole environment), and an
undecodable file is read with replacement characters (importlib.metadata raises
``UnicodeDecodeError``).
"""

import marshal
import os
import sys
import time

from ..core._cachedir import ENV_DIRECTORY, cache_directory, write_atomically  # re-exported

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import NamedTuple

    Stat = tuple[int, int, int, int] | None
    Checks = tuple[tuple[str, Stat], ...]
    EntryPoints = tuple[tuple[str, str, str], ...]
    Dist = tuple[str, str, str | None, str | None, bool, Checks, EntryPoints]
    Entry = tuple[Stat, str, bool, tuple[Dist, ...]]

    class EntryPointRecord(NamedTuple):
        """One entry point of one installed distribution."""

        group: str
        name: str
        value: str  # "module:attr" or "module"
        dist: str | None  # the distribution's name as its metadata spells it
        version: str | None
        location: str | None  # the .dist-info / .egg-info directory it was read from

else:
    # A named tuple made by hand: typing.NamedTuple would import typing, and
    # collections.namedtuple collections, milliseconds each on the warm path.
    from _collections import _tuplegetter

    class EntryPointRecord(tuple):
        """One entry point of one installed distribution."""

        __slots__ = ()
        _fields = ("group", "name", "value", "dist", "version", "location")

        def __new__(cls, group, name, value, dist, version, location):
            return tuple.__new__(cls, (group, name, value, dist, version, location))

        @classmethod
        def _make(cls, iterable):
            result = tuple.__new__(cls, iterable)
            if len(result) != 6:
                raise TypeError(f"EntryPointRecord takes 6 fields, got {len(result)}")
            return result

        def _replace(self, **changes):
            result = self._make(map(changes.pop, self._fields, self))
            if changes:
                raise ValueError(f"EntryPointRecord has no fields {sorted(changes)}")
            return result

        def _asdict(self):
            return dict(zip(self._fields, self, strict=True))

        def __getnewargs__(self):
            return tuple(self)

        def __repr__(self):
            fields = ", ".join(f"{n}={v!r}" for n, v in zip(self._fields, self, strict=True))
            return f"EntryPointRecord({fields})"

        group = _tuplegetter(0, "The entry-point group.")
        name = _tuplegetter(1, "The entry point's name.")
        value = _tuplegetter(2, '"module:attr" or "module".')
        dist = _tuplegetter(3, "The distribution's name as its metadata spells it.")
        version = _tuplegetter(4, "The distribution's version.")
        location = _tuplegetter(5, "The .dist-info / .egg-info it was read from.")


FILE_NAME = "entry-points.index"
# The header: what the file is, and the layout version of what follows (marshal format 4),
# then the payload's length (8 bytes) and CRC-32 (4 bytes), then the payload.
_MAGIC = b"importcraft entry-point index 2\n"
# Wider than any file system's timestamp granularity (FAT's is 2 s).
RACY_NS = 3_000_000_000
# The index keeps the current path's entries, then those of other paths (other environments)
# most recently written first, while the distributions they list stay under this number:
# reading the file is part of every fresh process's cost.
MAX_KEPT_DISTRIBUTIONS = 4000
_STAT_DIR_FD = os.stat in os.supports_dir_fd and hasattr(os, "O_DIRECTORY")
_DIRECTORY_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
# What importlib.metadata reads, in its order ("": the path itself, an .egg-info file).
_METADATA_FILES = ("METADATA", "PKG-INFO", "")
_ENTRY_POINTS_FILE = "entry_points.txt"

# A stat as recorded: (mtime_ns, ctime_ns, size, inode), or None for a missing file.
# An entry:         (stat of the entry or None, kind, listing racy?, distributions)
#   kind: "d" directory, "f" another file (a zip archive or not), "-" missing or unreadable
# A distribution:   (child, key, name, version, racy?, checks, entry points)
#   child: its .dist-info / .egg-info / EGG-INFO name in the entry (the location, relative)
#   key:   the normalised name importlib.metadata de-duplicates by
#   checks: ((file in the distribution's directory, "" for the directory itself, stat), ...)
#           -- empty inside a zip archive; the file names are shared constants
#   entry points: ((group, name, value), ...)

_memory: "dict[str, Entry]" = {}  # absolute entry -> entry, this process
_file_stat: "Stat | bool" = False  # the cache file's stat when this process last read or wrote it
_warned_write = False
_counters = {
    "calls": 0,  # entry_points() / groups() calls
    "hits": 0,  # calls answered without reading any metadata
    "file_reads": 0,  # index files read (and accepted)
    "rejected": 0,  # index files found corrupt or foreign, ignored and rebuilt
    "rescans": 0,  # path entries listed and checked again
    "metadata_reads": 0,  # distributions whose metadata was read
    "writes": 0,  # index files written
    "write_errors": 0,
}


def cache_file() -> str:
    """The index file's path."""
    return os.path.join(cache_directory(), FILE_NAME)


def index_info() -> dict[str, object]:
    """This process's counters (``hits``, ``metadata_reads``, ``writes``...) and the file."""
    info: dict[str, object] = dict(_counters)
    info["file"] = cache_file()
    info["entries_in_memory"] = len(_memory)
    return info


def invalidate() -> None:
    """Forget what this process holds in memory (the file is checked again at the next call).

    Never needed for correctness -- every call checks the stats -- but tests use it to make a
    call behave as in a fresh process.
    """
    global _file_stat
    _memory.clear()
    _file_stat = False


def entry_points(group: str, *, path: "list[str] | None" = None) -> "list[EntryPointRecord]":
    """The entry points of ``group`` in the distributions on ``path`` (default ``sys.path``)."""
    records = []
    for raw, dist in _distributions(path):
        for ep_group, ep_name, ep_value in dist[6]:
            if ep_group == group:
                location = os.path.join(raw, dist[0]) if raw else dist[0]
                records.append(
                    EntryPointRecord(ep_group, ep_name, ep_value, dist[2], dist[3], location)
                )
    return records


def groups(*, path: "list[str] | None" = None) -> "list[str]":
    """Every entry-point group offered by the distributions on ``path``, sorted."""
    found = set()
    for _raw, dist in _distributions(path):
        for ep in dist[6]:
            found.add(ep[0])
    return sorted(found)


# -- the index --------------------------------------------------------------------------------


def _distributions(path: "list[str] | None") -> "list[tuple[str, Dist]]":
    """(path entry as given, distribution) of the unique distributions, in order."""
    _counters["calls"] += 1
    keys = []
    for item in sys.path if path is None else path:
        raw: object = item
        if not isinstance(raw, str):  # a path-like object (bytes: nothing importlib lists)
            fspath = getattr(raw, "__fspath__", None)
            raw = fspath() if fspath is not None else None
            if not isinstance(raw, str):
                continue
        keys.append((raw, os.path.abspath(raw) if raw else os.getcwd()))
    entries = _current_entries([key for _raw, key in keys])
    seen = set()
    result = []
    for raw, key in keys:
        for dist in entries[key][3]:
            if dist[1] not in seen:
                seen.add(dist[1])
                result.append((raw, dist))
    return result


def _current_entries(keys: "list[str]") -> "dict[str, Entry]":
    """The valid entry for each key: from memory, else the file, else the disk."""
    result: dict[str, Entry] = {}
    changed = False
    file_read = False
    rescans_before = _counters["rescans"]
    for key in keys:
        if key in result:
            continue
        entry = _memory.get(key)
        if entry is None and not file_read:
            file_read = True
            _load_file()
            entry = _memory.get(key)
        if entry is not None and _unchanged(key, entry):
            result[key] = entry
            continue
        new = _scan_entry(key, entry)
        if new != entry:
            changed = True
        _memory[key] = result[key] = new
    if changed:
        _write_file(keys)
    if _counters["rescans"] == rescans_before:
        _counters["hits"] += 1
    return result


def _stat(path: str) -> "Stat":
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)


def _unchanged(key: str, entry: "Entry") -> bool:
    """Whether every stat the entry records still holds (and none was racily clean)."""
    stat, kind, racy, dists = entry
    if racy or _stat(key) != stat:
        return False
    if kind != "d":
        return True
    if _STAT_DIR_FD:
        # Relative to the entry's directory: the kernel walks two names per stat, not the
        # whole path (a tenth of the cost here).
        try:
            directory_fd = os.open(key, _DIRECTORY_FLAGS)
        except OSError:
            return False
        try:
            return _distributions_unchanged(dists, "", directory_fd)
        finally:
            os.close(directory_fd)
    return _distributions_unchanged(dists, key if key.endswith(os.sep) else key + os.sep, None)


def _distributions_unchanged(dists: "tuple[Dist, ...]", prefix: str, fd: "int | None") -> bool:
    do_stat = os.stat
    sep = os.sep
    try:
        for dist in dists:
            if dist[4]:
                return False
            directory = prefix + dist[0]
            for name, recorded in dist[5]:
                st = do_stat(directory + sep + name if name else directory, dir_fd=fd)
                if (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino) != recorded:
                    return False
    except FileNotFoundError:
        # Recorded as missing (a .dist-info without METADATA: PKG-INFO was tried): still so?
        return _distributions_unchanged_slowly(dists, prefix, fd)
    except (OSError, ValueError):
        return False
    return True


def _distributions_unchanged_slowly(
    dists: "tuple[Dist, ...]", prefix: str, fd: "int | None"
) -> bool:
    for dist in dists:
        if dist[4]:
            return False
        directory = prefix + dist[0]
        for name, recorded in dist[5]:
            path = directory + os.sep + name if name else directory
            try:
                st = os.stat(path, dir_fd=fd)
            except (OSError, ValueError):
                if recorded is not None:
                    return False
                continue
            if (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino) != recorded:
                return False
    return True


def _is_racy(stat: "Stat", now: int) -> bool:
    return stat is not None and max(stat[0], stat[1]) >= now - RACY_NS


def _scan_entry(key: str, old: "Entry | None") -> "Entry":
    """Read one path entry again, reusing the distributions whose stats still hold."""
    _counters["rescans"] += 1
    now = time.time_ns()
    stat = _stat(key)
    if stat is None:
        return (None, "-", False, ())
    racy = _is_racy(stat, now)
    if os.path.isdir(key):
        try:
            children = os.listdir(key)
        except OSError:
            return (stat, "-", racy, ())
        previous = {}
        if old is not None and old[1] == "d":
            for dist in old[3]:
                if not dist[4]:
                    previous[dist[0]] = dist
        dists = tuple(_directory_distributions(key, children, previous, now))
        return (stat, "d", racy, dists)
    return (stat, "f", racy, tuple(_zip_distributions(key)))


def _metadata_children(base: str, children: "Iterable[str]") -> "list[str]":
    """The metadata children of one entry in importlib.metadata's order (its ``Lookup``):
    grouped by normalised name in order of first appearance, then a ``.egg``'s EGG-INFO."""
    infos: dict[str, list[str]] = {}
    eggs = []
    base_is_egg = os.path.basename(base).lower().endswith(".egg")
    for child in children:
        low = child.lower()
        if low.endswith((".dist-info", ".egg-info")):
            name = _normalize(low.rpartition(".")[0].partition("-")[0])
            infos.setdefault(name, []).append(child)
        elif base_is_egg and low == "egg-info":
            eggs.append(child)
    ordered = [child for group in infos.values() for child in group]
    return ordered + eggs


def _directory_distributions(
    key: str, children: "list[str]", previous: "dict[str, Dist]", now: int
) -> "Iterable[Dist]":
    for child in _metadata_children(key, children):
        old = previous.get(child)
        directory = os.path.join(key, child)
        if old is not None and all(
            _stat(directory + os.sep + name if name else directory) == recorded
            for name, recorded in old[5]
        ):
            yield old
            continue
        yield _read_directory_distribution(key, child, now)


def _read_directory_distribution(key: str, child: str, now: int) -> "Dist":
    """Stat, then read, one distribution's metadata (the stats first: a change during the
    read leaves a stat that no longer matches).

    What is checked later is what the answer depends on, and no more (each stat costs):
    with an ``entry_points.txt``, that file and the metadata file read (the name and version
    reach the records); without one, the ``.dist-info`` directory itself, whose stat changes
    when an ``entry_points.txt`` appears in it (the metadata matters only for the name that
    de-duplicates, which comes from the directory's name, unless that is not a
    ``name-version.dist-info`` one: then the metadata files are checked too).
    """
    _counters["metadata_reads"] += 1
    base = os.path.join(key, child)
    directory_stat = _stat(base)
    metadata_checks = []
    metadata_text = None
    for candidate in _METADATA_FILES:
        stat = _stat(os.path.join(base, candidate) if candidate else base)
        metadata_checks.append((candidate, stat))
        if stat is not None:
            metadata_text = _read_text(os.path.join(base, candidate) if candidate else base)
            if metadata_text:  # importlib.metadata: METADATA or PKG-INFO or the path itself
                break
    eps_stat = _stat(os.path.join(base, _ENTRY_POINTS_FILE))
    eps_text = _read_text(os.path.join(base, _ENTRY_POINTS_FILE)) if eps_stat else None
    if eps_stat is not None:
        checks = [*metadata_checks, (_ENTRY_POINTS_FILE, eps_stat)]
    else:
        checks = [("", directory_stat)]
        if _stem_name(child) is None:
            checks += metadata_checks
    racy = any(_is_racy(stat, now) for _relative, stat in checks)
    return _distribution(child, metadata_text, eps_text, racy, tuple(checks))


def _read_text(path: str) -> "str | None":
    try:
        with open(path, "rb") as stream:
            data = stream.read()
    except OSError:  # missing, a directory, not a directory, not permitted: as importlib
        return None
    return data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")


def _zip_distributions(key: str) -> "list[Dist]":
    """The distributions in a zip archive on the path (a wheel, an egg): the archive's stat
    keys them all. Not the warm path, so zipfile may be imported here."""
    import zipfile

    try:
        archive = zipfile.ZipFile(key)
    except Exception:  # not a zip archive: importlib.metadata lists nothing there either
        return []
    with archive:
        names = archive.namelist()
        children = dict.fromkeys(name.split("/", 1)[0] for name in names)
        members = set(names)
        dists = []
        for child in _metadata_children(key, children):
            _counters["metadata_reads"] += 1

            def read(member: str) -> "str | None":
                if member not in members:
                    return None
                data = archive.read(member)
                return data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")

            metadata_text = read(child + "/METADATA") or read(child + "/PKG-INFO") or read(child)
            eps_text = read(child + "/entry_points.txt")
            dists.append(_distribution(child, metadata_text, eps_text, False, ()))
    return dists


def _distribution(
    child: str, metadata_text: "str | None", eps_text: "str | None", racy: bool, checks: "Checks"
) -> "Dist":
    name, version = _name_and_version(metadata_text or "")
    # importlib.metadata's PathDistribution._normalized_name: from the directory's stem when it
    # is a .dist-info / .egg-info, else from the metadata's Name.
    stem_name = _stem_name(child)
    key = _normalize((name or "") if stem_name is None else stem_name)
    return (child, key, name, version, racy, checks, _parse_entry_points(eps_text or ""))


def _stem_name(child: str) -> "str | None":
    """The name part of ``name-version.dist-info`` / ``.egg-info`` (case-sensitive suffix, as
    importlib.metadata's ``_name_from_stem``), else None."""
    stem, dot, extension = child.rpartition(".")
    if dot and extension in ("dist-info", "egg-info"):
        return stem.partition("-")[0]
    return None


_SEPARATORS = str.maketrans("-.", "__")


def _normalize(name: str) -> str:
    """PEP 503 normalisation with underscores, as importlib.metadata's ``Prepared.normalize``
    (runs of ``-_.`` become one ``_``, lower case), without ``re``."""
    name = name.translate(_SEPARATORS)
    while "__" in name:
        name = name.replace("__", "_")
    return name.lower()


def _name_and_version(text: str) -> "tuple[str | None, str | None]":
    """The first ``Name`` and ``Version`` headers of a METADATA / PKG-INFO text, as the email
    parser importlib.metadata uses reads them (headers end at the first blank line or
    non-header line; continuation lines are part of the value)."""
    found: dict[str, str] = {}
    current: str | None = None
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if line[:1] in (" ", "\t") and current is not None:
            continue  # a continuation line, taken with its header below
        if not line or ":" not in line:
            break
        header, _, value = line.partition(":")
        if index == 0 and header.startswith("From "):
            continue
        current = header.lower()
        if current in ("name", "version") and current not in found:
            value = value.lstrip(" \t")
            # continuation lines, joined as the email parser keeps them
            following = index + 1
            while following < len(lines) and lines[following][:1] in (" ", "\t"):
                value += "\n" + lines[following]
                following += 1
            found[current] = value.rstrip("\r\n")
    return found.get("name"), found.get("version")


def _parse_entry_points(text: str) -> "tuple[tuple[str, str, str], ...]":
    """``entry_points.txt`` as importlib.metadata's ``Sectioned`` reads it: stripped lines,
    ``#`` comments and blank lines skipped, ``[group]`` headers (brackets stripped), then
    ``name = value`` pairs; pairs before any header are ignored."""
    result = []
    group = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line.strip("[]")
            continue
        if group is None:
            continue
        name, equals, value = line.partition("=")
        if not equals:
            continue  # importlib.metadata raises ValueError here; one bad line costs nothing
        result.append((group, name.strip(), value.strip()))
    return tuple(result)


# -- the file ---------------------------------------------------------------------------------


def _load_file() -> None:
    """Put the file's valid entries into memory (those not there already)."""
    global _file_stat
    path = cache_file()
    stat = _stat(path)
    if stat is None or stat == _file_stat:
        return
    _file_stat = stat
    try:
        with open(path, "rb") as stream:
            blob = stream.read()
    except OSError:
        return
    entries = _decode(blob)
    if entries is None:
        _counters["rejected"] += 1
        return
    _counters["file_reads"] += 1
    for key, entry in entries.items():
        _memory.setdefault(key, entry)


def _decode(blob: bytes) -> "dict[str, Entry] | None":
    """The entries of an index file, or None if it is not a whole one of this format whose
    checksum matches (a CRC-32 is cheaper than checking the layout of every record, and
    catches what such a check would miss: a damaged name or value)."""
    import zlib

    start = len(_MAGIC) + 12
    if not blob.startswith(_MAGIC):
        return None
    length = int.from_bytes(blob[len(_MAGIC) : len(_MAGIC) + 8], "little")
    checksum = int.from_bytes(blob[len(_MAGIC) + 8 : start], "little")
    payload = blob[start:]
    if length != len(payload) or zlib.crc32(payload) != checksum:
        return None
    try:
        entries = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    if type(entries) is not dict:
        return None
    return entries


def _encode(entries: "dict[str, Entry]") -> bytes:
    import zlib

    payload = marshal.dumps(entries, 4)
    header = len(payload).to_bytes(8, "little") + zlib.crc32(payload).to_bytes(4, "little")
    return _MAGIC + header + payload


def _count(entry: "Entry") -> int:
    return len(entry[3])


def _write_file(keys: "list[str]") -> None:
    """Write the index: this path's entries, then the others the file had (kept while the
    distributions they list stay under MAX_KEPT_DISTRIBUTIONS), atomically."""
    global _file_stat, _warned_write
    directory = cache_directory()
    path = os.path.join(directory, FILE_NAME)
    entries: dict[str, Entry] = {}
    for key in keys:
        entries[key] = _memory[key]
    total = sum(_count(entry) for entry in entries.values())
    try:
        with open(path, "rb") as stream:
            others = _decode(stream.read()) or {}
    except OSError:
        others = {}
    # entries of this process that the file may lack (another path used earlier), then the file's
    for key, entry in [*_memory.items(), *others.items()]:
        if key in entries:
            continue
        total += _count(entry)
        if total > MAX_KEPT_DISTRIBUTIONS:
            break
        entries[key] = entry
    try:
        write_atomically(path, _encode(entries))  # removes old orphans of the file too
    except OSError as error:
        _counters["write_errors"] += 1
        if not _warned_write:
            _warned_write = True
            from ..core._errors import ImportcraftWarning
            from ..core._frames import warn_at_user

            warn_at_user(
                f"importcraft could not write its entry-point index {path!r} ({error}): "
                "entry points are read from the distributions' metadata at every start until "
                f"it can; set {ENV_DIRECTORY} to a writable directory",
                ImportcraftWarning,
            )
        return
    _counters["writes"] += 1
    _file_stat = _stat(path)
