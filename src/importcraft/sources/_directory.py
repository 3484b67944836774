"""DirectorySource: a tree of ``.py`` files that is not on ``sys.path``."""

from __future__ import annotations

import os
from importlib.machinery import (
    BYTECODE_SUFFIXES,
    EXTENSION_SUFFIXES,
    SOURCE_SUFFIXES,
    ExtensionFileLoader,
    FileFinder,
    ModuleSpec,
    SourceFileLoader,
    SourcelessFileLoader,
)

from ..core._loaders import DirectoryPackageLoader
from ..core._names import is_module_name
from ._base import Source

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Literal

_LOADERS = (
    (ExtensionFileLoader, EXTENSION_SUFFIXES),
    (SourceFileLoader, SOURCE_SUFFIXES),
    (SourcelessFileLoader, BYTECODE_SUFFIXES),
)
_SUFFIXES = tuple(suffix for _, suffixes in _LOADERS for suffix in suffixes)


class DirectorySource(Source):
    """Modules, packages and data files from a directory that is not on ``sys.path``.

    The files are loaded by Python's own file loaders, exactly as from a ``sys.path`` entry:
    real ``__file__`` paths, ``__pycache__`` bytecode, resources, extension modules. One
    difference: a folder without ``__init__.py`` is an empty package of this source rather than a
    namespace package merged with others. Example::

        importcraft.mount("plugins", importcraft.DirectorySource("/srv/plugins"))
        import plugins.json_handler      # /srv/plugins/json_handler.py

    Installed without a prefix, the directory acts like a ``sys.path`` entry that only importcraft
    reads; its top-level names are listed at install time and again on
    ``importlib.invalidate_caches()``, as Python's own finders need for new files.
    """

    label = "directory"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.path.abspath(os.fspath(path))
        if not os.path.isdir(self.path):
            problem = "does not exist" if not os.path.exists(self.path) else "is not a directory"
            raise NotADirectoryError(f"DirectorySource: {self.path!r} {problem}")
        self._finders: dict[str, FileFinder] = {}

    def roots(self) -> list[str]:
        names = set()
        try:
            entries = list(os.scandir(self.path))
        except FileNotFoundError:
            return []  # a removed directory serves nothing, like a removed sys.path entry
        for entry in entries:
            if entry.is_dir():
                name = "" if entry.name == "__pycache__" else entry.name
            else:
                name = next(
                    (entry.name[: -len(s)] for s in _SUFFIXES if entry.name.endswith(s)), ""
                )
            # A file such as ``ﬁle.py`` (NFKC: ``file``) is skipped, as no statement could
            # import it, rather than failing the whole install.
            if "." not in name and is_module_name(name):
                names.add(name)
        return sorted(names)

    def find_spec(
        self, fullname: str, name: str, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name == "":
            return self._root_spec(fullname)
        parent = name.rpartition(".")[0]
        folder = os.path.join(self.path, *parent.split(".")) if parent else self.path
        finder = self._finders.get(folder)
        if finder is None:
            finder = self._finders.setdefault(folder, FileFinder(folder, *_LOADERS))
        spec = finder.find_spec(fullname, target)
        if spec is not None and spec.loader is None and spec.submodule_search_locations:
            # FileFinder's namespace-package candidate: a folder with no __init__.py.
            return DirectoryPackageLoader(fullname, spec.submodule_search_locations[0]).spec()
        return spec

    def _root_spec(self, fullname: str) -> ModuleSpec:
        for suffix in SOURCE_SUFFIXES:
            init = os.path.join(self.path, "__init__" + suffix)
            if os.path.isfile(init):
                spec = ModuleSpec(
                    fullname, SourceFileLoader(fullname, init), origin=init, is_package=True
                )
                spec.has_location = True
                spec.submodule_search_locations = [self.path]
                return spec
        return DirectoryPackageLoader(fullname, self.path).spec()

    def lookup(self, name: str) -> Literal["module", "package"] | None:
        spec = self.find_spec(name, name)
        if spec is None:
            return None
        return "module" if spec.submodule_search_locations is None else "package"

    def get_source(self, name: str) -> str:
        spec = self.find_spec(name, name)
        get_source = getattr(spec.loader, "get_source", None) if spec is not None else None
        source = get_source(name) if get_source is not None else None
        if source is None:
            raise ModuleNotFoundError(f"no source for {name!r} in {self!r}", name=name)
        return str(source)

    def invalidate_caches(self) -> None:
        for finder in list(self._finders.values()):
            finder.invalidate_caches()

    def __repr__(self) -> str:
        return f"DirectorySource({self.path!r})"
