"""The ``importlib.metadata.Distribution`` of a virtual distribution (see ``_distributions``).

Loaded only when ``importlib.metadata`` asks the router for distributions while a virtual one
is registered, so ``importlib.metadata`` (and the ``csv`` it imports) are loaded already.

The distribution's metadata is made when read, from what ``virtual()`` was given: ``METADATA``
(name and version), ``entry_points.txt``, ``top_level.txt`` and ``RECORD``, which lists the
source's modules as files (``app/__init__.py``, ``app/util.py``, ...) and its resources, so
``files()`` and ``packages_distributions()`` see them. Those files are read through
:meth:`locate_file`: ``files(name)[0].read_text()`` is the module's source text.
"""

from __future__ import annotations

import csv
import io
from importlib.metadata import Distribution

from ..core._resources import MemoryTraversable, build_tree

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from os import PathLike

    from ._dict import DictSource


class VirtualDistribution(Distribution):
    """A distribution served by importcraft: its files are the modules of a virtual source."""

    def __init__(
        self,
        name: str,
        version: str,
        normalized: str,
        entry_points: tuple[tuple[str, str, str], ...],
        source: DictSource,
        prefix: str | None,
    ) -> None:
        self._name = name
        self._version = version
        self._normalized = normalized
        self._entry_points = entry_points
        self._source = source
        self._prefix = prefix

    @property
    def _normalized_name(self) -> str:  # what importlib.metadata dedupes distributions by
        return self._normalized

    def read_text(self, filename: str | PathLike[str]) -> str | None:
        """The text of one metadata file (``METADATA``, ``RECORD``, ...), or ``None``."""
        filename = str(filename)
        if filename == "METADATA":
            return (
                "Metadata-Version: 2.1\n"
                f"Name: {self._name}\n"
                f"Version: {self._version}\n"
                "Summary: a virtual distribution served by importcraft\n"
            )
        if filename == "entry_points.txt":
            entry_points = self._entry_points
            return _entry_points_text(entry_points) if entry_points else None
        if filename == "top_level.txt":
            tops = {path.partition("/")[0].removesuffix(".py") for path in self._files()}
            return "".join(f"{top}\n" for top in sorted(tops))
        if filename == "RECORD":
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            for path, data in sorted(self._files().items()):
                writer.writerow((path, "", len(data)))
            return out.getvalue()
        return None

    def locate_file(self, path: str | PathLike[str]) -> MemoryTraversable:  # type: ignore[override]
        """The file ``path`` of the distribution, readable (``open()``, ``read_text()``).

        ``""`` is the folder holding the distribution's top-level modules.
        """
        wanted = str(path)
        root = f"<{self._source.label}>"
        files = self._files()
        data = files.get(wanted)
        if data is not None:
            return MemoryTraversable(f"{root}/{wanted}", data=data)
        tree = build_tree(self._source.label, files)
        return tree.joinpath(wanted)  # type: ignore[return-value]

    def _files(self) -> dict[str, bytes]:
        """Path (``app/util.py``) -> content of every module and resource of the source, now."""
        source, prefix = self._source, self._prefix
        files: dict[str, bytes] = {}
        for name, is_package in source._index.items():
            if prefix is None and name == "":
                continue  # the mount root: only a mounted source has one
            stem = _stem(prefix, name)
            text = source.get_source(name)
            data = text.encode() if isinstance(text, str) else text
            files[f"{stem}/__init__.py" if is_package else f"{stem}.py"] = data
        for package, resources in source._resources_in.items():
            if prefix is None and package == "":
                continue
            stem = _stem(prefix, package)
            for filename, content in resources.items():
                data = content.encode() if isinstance(content, str) else content
                files[f"{stem}/{filename}"] = data
        return files

    def __repr__(self) -> str:
        return f"<importcraft virtual distribution {self._name!r} {self._version!r}>"


def _stem(prefix: str | None, name: str) -> str:
    fullname = name if prefix is None else f"{prefix}.{name}" if name else prefix
    return fullname.replace(".", "/")


def _entry_points_text(entry_points: tuple[tuple[str, str, str], ...]) -> str:
    sections: dict[str, list[str]] = {}
    for group, name, value in entry_points:
        sections.setdefault(group, []).append(f"{name} = {value}\n")
    return "\n".join(f"[{group}]\n{''.join(lines)}" for group, lines in sections.items())
