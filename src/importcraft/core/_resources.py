"""Package resources held in memory, for ``importlib.resources.files()``.

Loaded only when a program asks a virtual package for its resources.
"""

from __future__ import annotations

import io
from importlib.resources.abc import Traversable, TraversableResources

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from typing import IO, Any


class MemoryTraversable(Traversable):
    """A file or folder of an in-memory resource tree; a missing one exists as neither."""

    def __init__(
        self,
        path: str,
        data: bytes | None = None,
        children: dict[str, MemoryTraversable] | None = None,
    ) -> None:
        self._path = path  # shown in messages: "<package>/folder/file"
        self._data = data
        self._children = children

    @property
    def name(self) -> str:
        return self._path.rpartition("/")[2]

    def iterdir(self) -> Iterator[Traversable]:
        if self._children is None:
            raise NotADirectoryError(f"{self._path!r} is not a resource folder")
        return iter(list(self._children.values()))

    def is_dir(self) -> bool:
        return self._children is not None

    def is_file(self) -> bool:
        return self._data is not None

    def exists(self) -> bool:
        """Whether it is a file or a folder (``importlib.metadata`` asks of a distribution's)."""
        return self._data is not None or self._children is not None

    def joinpath(self, *descendants: str) -> Traversable:  # type: ignore[override]
        node: MemoryTraversable = self
        for part in "/".join(descendants).split("/"):
            if part in ("", "."):
                continue
            children = node._children
            found = children.get(part) if children is not None else None
            node = found if found is not None else MemoryTraversable(f"{node._path}/{part}")
        return node

    def open(self, mode: str = "r", *args: Any, **kwargs: Any) -> IO[Any]:
        if self._data is None:
            if self._children is not None:
                raise IsADirectoryError(f"{self._path!r} is a resource folder, not a file")
            raise FileNotFoundError(f"no resource {self._path!r}")
        if mode == "rb":
            return io.BytesIO(self._data)
        if mode == "r":
            kwargs.setdefault("encoding", "utf-8")
            return io.TextIOWrapper(io.BytesIO(self._data), *args, **kwargs)
        raise ValueError(f"resources are read-only: cannot open {self._path!r} with mode {mode!r}")

    def read_text(self, encoding: str | None = None) -> str:
        with self.open("r", encoding=encoding or "utf-8") as handle:
            text: str = handle.read()
        return text

    def read_bytes(self) -> bytes:
        with self.open("rb") as handle:
            data: bytes = handle.read()
        return data

    def __repr__(self) -> str:
        return f"<importcraft resource {self._path!r}>"


def build_tree(package: str, files: Mapping[str, bytes]) -> MemoryTraversable:
    """The resource folder of ``package``; ``files`` maps ``"a/b.txt"`` style names to bytes."""
    root = MemoryTraversable(f"<{package}>", children={})
    for filename, data in files.items():
        *folders, leaf = filename.split("/")
        node = root
        for folder in folders:
            children = node._children
            assert children is not None  # a clash was refused by check_resource_names
            node = children.setdefault(
                folder, MemoryTraversable(f"{node._path}/{folder}", children={})
            )
        assert node._children is not None
        node._children[leaf] = MemoryTraversable(f"{node._path}/{leaf}", data=data)
    return root


def empty_tree(package: str) -> MemoryTraversable:
    return MemoryTraversable(f"<{package}>", children={})


class TreeReader(TraversableResources):
    """The resource reader of a package whose resources are a Traversable."""

    def __init__(self, root: Traversable) -> None:
        self._root = root

    def files(self) -> Traversable:
        return self._root
