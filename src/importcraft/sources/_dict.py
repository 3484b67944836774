"""DictSource: modules whose source text is held in a mapping."""

from __future__ import annotations

from ..core._names import check_module_name
from ._base import Source

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Mapping
    from importlib.resources.abc import Traversable
    from typing import Literal

    from ..core._resources import MemoryTraversable


# isinstance() with a tuple: ``str | bytes`` would make a union object at every call.
_TEXT = (str, bytes)


class DictSource(Source):
    """Modules from a mapping of dotted names to source text (``str`` or ``bytes``).

    A name with children is a package; its own key, if present, is its ``__init__`` source,
    otherwise it is an empty package. ``resources`` maps a package name to ``{filename: bytes}``
    (``"data/x.json"`` makes a folder), readable through ``importlib.resources.files()``. When
    the source is mounted, ``""`` names the package it is mounted as. Example::

        source = importcraft.DictSource({
            "shapes": "from .circle import Circle",
            "shapes.circle": "class Circle: ...",
        }, resources={"shapes": {"colours.txt": b"red\\n"}})

    The source text is read from ``mapping`` at every load, so ``importlib.reload`` picks up an
    edited entry. Which modules and resources exist is read when the source is made and again on
    ``importlib.invalidate_caches()``.
    """

    label = "virtual"

    def __init__(
        self,
        mapping: Mapping[str, str | bytes],
        resources: Mapping[str, Mapping[str, bytes | str]] | None = None,
    ) -> None:
        self._mapping = mapping
        self._resources_in = resources if resources is not None else {}
        self._index: dict[str, bool] = {}
        self._trees: dict[str, MemoryTraversable] = {}
        self._read()

    def _read(self) -> None:
        # Build everything first and assign last: a bad entry changes nothing.
        mapping, resources = self._mapping, self._resources_in
        packages: set[str] = set()
        dotted = False
        for key, text in mapping.items():
            if key != "":
                check_module_name(key, "DictSource module name")
                dotted = dotted or "." in key
            if not isinstance(text, _TEXT):
                raise TypeError(
                    f"DictSource: the source of module {key!r} must be str or bytes, "
                    f"not {type(text).__name__}"
                )
        for key, files in resources.items():
            _check_key(key, "resource package")
            _check_resource_names(key, files)
            packages.add(key)
        if dotted or resources:  # else every module is top-level: no package to add
            for key in (*mapping, *resources):
                parts = key.split(".") if key else []
                packages.update(".".join(parts[:i]) for i in range(len(parts)))
        elif len(mapping) > ("" in mapping):
            packages.add("")  # the package it is mounted as holds the top-level modules
        index = dict.fromkeys(mapping, False)
        if packages:
            index.update(dict.fromkeys(packages, True))
        trees = {}
        if resources:
            from ..core._resources import build_tree

            trees = {
                key: build_tree(key or "mount root", _as_bytes(files))
                for key, files in resources.items()
            }
        self._index, self._trees = index, trees

    def roots(self) -> list[str]:
        roots = {name.partition(".")[0] for name in self._index if name}
        if "" in self._mapping:
            roots.add("")  # install() refuses it: only a mounted source has a root module
        return sorted(roots)

    def lookup(self, name: str) -> Literal["module", "package"] | None:
        is_package = self._index.get(name)
        if is_package is None:
            return None
        return "package" if is_package else "module"

    def submodules(self, name: str) -> list[str]:
        start = f"{name}." if name else ""
        return sorted(
            key[len(start) :]
            for key in self._index
            if key and key.startswith(start) and "." not in key[len(start) :]
        )

    def get_source(self, name: str) -> str | bytes:
        try:
            return self._mapping[name]
        except KeyError:
            if self._index.get(name):
                return ""  # a package made by its children alone
            raise ModuleNotFoundError(
                f"module {name!r} is no longer in the mapping of {self!r}; "
                "call importlib.invalidate_caches() after removing modules from it",
                name=name,
            ) from None

    def resources(self, name: str) -> Traversable | None:
        return self._trees.get(name)

    def invalidate_caches(self) -> None:
        self._read()

    def __repr__(self) -> str:
        names = sorted(self._mapping)
        shown = ", ".join(repr(n) for n in names[:3]) + (", ..." if len(names) > 3 else "")
        return f"DictSource({len(names)} module(s): {shown})"


def _check_key(key: object, what: str) -> None:
    if key != "":
        check_module_name(key, f"DictSource {what} name")


def _check_resource_names(package: str, files: Mapping[str, bytes | str]) -> None:
    folders: set[str] = set()
    leaves: set[str] = set()
    for filename, data in files.items():
        where = f"resource {filename!r} of package {package!r}"
        if not isinstance(filename, str):
            raise TypeError(f"DictSource: resource names must be str, got {filename!r}")
        parts = filename.split("/")
        if filename.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in filename:
            raise ValueError(
                f"DictSource: {where} must be a relative path of non-empty names "
                "separated by '/', without '.', '..' or '\\'"
            )
        if not isinstance(data, bytes | str):
            raise TypeError(f"DictSource: {where} must be bytes or str, not {type(data).__name__}")
        folders.update("/".join(parts[:i]) for i in range(1, len(parts)))
        leaves.add(filename)
    clash = folders & leaves
    if clash:
        raise ValueError(
            f"DictSource: resource {sorted(clash)[0]!r} of package {package!r} is both a file "
            "and a folder"
        )


def _as_bytes(files: Mapping[str, bytes | str]) -> dict[str, bytes]:
    return {k: v.encode() if isinstance(v, str) else v for k, v in files.items()}
