"""Loaders for modules whose code does not come from a file importlib knows how to read.

The ``__file__`` convention: a module with no real file gets the path it *would* have in a
directory named after its source, inside angle brackets, like a zip archive's modules do::

    <virtual>/plugins/__init__.py       package ``plugins`` from a DictSource
    <virtual>/plugins/json_handler.py   module ``plugins.json_handler``
    <env>/config/database.py            module ``config.database`` from an EnvSource

``__spec__.origin``, ``__file__`` and the code objects' ``co_filename`` all carry that name, so
tracebacks say which module a line came from; the loader's ``get_source`` serves the lines to
``linecache``, ``inspect.getsource`` and pdb. The path does not exist on disk.
"""

import sys

# importlib.machinery's ModuleSpec is this very class: taken from here, wrapping a loader (what
# lazy_attach does in a package's __init__) does not import importlib, warnings and the rest.
from _frozen_importlib import ModuleSpec

from ._frames import import_entry, trim

# The wrappers of decorating rules live in their own module, which lazy modules (and
# `importcraft run --lazy`) load without the loaders here; their names stay importable from here.
from ._wrapping import WrappingLoader, unwrap, wrap_loader

__all__ = [
    "DirectoryPackageLoader",
    "SourceLoader",
    "WrappingLoader",
    "decode",
    "forget_lines",
    "pseudo_path",
    "unwrap",
    "wrap_loader",
]

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from importlib.resources.abc import Traversable, TraversableResources
    from types import CodeType, ModuleType
    from typing import Protocol

    class Source(Protocol):
        """What a loader needs of an ``importcraft.sources.Source`` (the core cannot import it)."""

        label: str

        def resources(self, name: str) -> Traversable | None: ...

        def _read_source(self, name: str, fullname: str) -> str | bytes: ...


def pseudo_path(label: str, fullname: str, is_package: bool) -> str:
    """The ``__file__`` of a module with no real file (see the module docstring)."""
    stem = fullname.replace(".", "/")
    return f"<{label}>/{stem}/__init__.py" if is_package else f"<{label}>/{stem}.py"


def decode(source: str | bytes) -> str:
    """Source text as str; bytes are decoded as Python does, honouring a coding cookie."""
    if isinstance(source, str):
        return source
    from importlib.util import decode_source

    return decode_source(source)


def forget_lines(filename: str) -> None:
    """Drop ``filename`` from linecache so tracebacks show the lines of the code now running."""
    # Another thread may be importing linecache right now: the module is then in sys.modules
    # before its body has defined ``cache`` (which then holds nothing of ours anyway).
    cache = getattr(sys.modules.get("linecache"), "cache", None)
    if isinstance(cache, dict):
        cache.pop(filename, None)


class SourceLoader:
    """Loads one module from a :class:`~importcraft.Source` that hands out source text.

    The text is read from the source at every load, so ``importlib.reload`` picks up a change.
    """

    def __init__(self, source: "Source", fullname: str, name: str, is_package: bool) -> None:
        self.source = source
        self.fullname = fullname
        self.name = name  # the name inside the source, relative to where it is mounted
        self.path = pseudo_path(source.label, fullname, is_package)
        self._is_package = is_package

    def spec(self) -> ModuleSpec:
        # importlib's loaders are duck-typed; typeshed wants an importlib.abc.Loader subclass.
        spec = ModuleSpec(
            self.fullname,
            self,  # type: ignore[arg-type]
            origin=self.path,
            is_package=self._is_package,
        )
        spec.has_location = True
        if self._is_package:
            spec.submodule_search_locations = [self.path.rpartition("/")[0]]
        return spec

    def _check(self, fullname: str) -> None:
        if fullname != self.fullname:
            raise ImportError(
                f"loader for {self.fullname!r} cannot handle {fullname!r}", name=fullname
            )

    # -- PEP 451 -------------------------------------------------------------------------------

    def create_module(self, spec: ModuleSpec) -> "ModuleType | None":
        return None

    @import_entry
    def exec_module(self, module: "ModuleType") -> None:
        try:
            code = self.get_code(self.fullname)
            forget_lines(self.path)
            exec(code, module.__dict__)
        except BaseException as exc:
            trim(exc)
            raise

    # -- InspectLoader, ExecutionLoader, ResourceLoader ----------------------------------------

    def get_code(self, fullname: str) -> "CodeType":
        self._check(fullname)
        text = self.source._read_source(self.name, self.fullname)
        return compile(text, self.path, "exec", dont_inherit=True)

    def get_source(self, fullname: str) -> str:
        self._check(fullname)
        return decode(self.source._read_source(self.name, self.fullname))

    def is_package(self, fullname: str) -> bool:
        self._check(fullname)
        return self._is_package

    def get_filename(self, fullname: str) -> str:
        self._check(fullname)
        return self.path

    def get_data(self, path: str) -> bytes:
        """Read a resource by path, as ``pkgutil.get_data`` asks for it."""
        folder = self.path.rpartition("/")[0] + "/"
        if self._is_package and path.startswith(folder):
            files = self.source.resources(self.name)
            if files is not None:
                item = files.joinpath(*path[len(folder) :].split("/"))
                if item.is_file():
                    return item.read_bytes()
        raise FileNotFoundError(f"{path!r}: no such resource in {self.fullname!r}")

    def get_resource_reader(self, fullname: str) -> "TraversableResources | None":
        self._check(fullname)
        if not self._is_package:
            return None
        from ._resources import TreeReader, empty_tree

        files = self.source.resources(self.name)
        return TreeReader(files if files is not None else empty_tree(self.fullname))

    def __repr__(self) -> str:
        return f"<importcraft.SourceLoader {self.fullname!r} from {self.source!r}>"


class DirectoryPackageLoader:
    """A package that is a directory without ``__init__.py``, inside a DirectorySource.

    It has no code; its resources are the directory's files.
    """

    def __init__(self, fullname: str, path: str) -> None:
        self.fullname = fullname
        self.path = path

    def spec(self) -> ModuleSpec:
        spec = ModuleSpec(self.fullname, self, origin=None, is_package=True)  # type: ignore[arg-type]
        spec.submodule_search_locations = [self.path]
        return spec

    def create_module(self, spec: ModuleSpec) -> "ModuleType | None":
        return None

    def exec_module(self, module: "ModuleType") -> None:
        pass

    def is_package(self, fullname: str) -> bool:
        return True

    def get_source(self, fullname: str) -> str:
        return ""

    def get_resource_reader(self, fullname: str) -> "TraversableResources":
        from pathlib import Path

        from ._resources import TreeReader

        return TreeReader(Path(self.path))

    def __repr__(self) -> str:
        return f"<importcraft.DirectoryPackageLoader {self.fullname!r} at {self.path!r}>"
