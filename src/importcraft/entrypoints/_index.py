"""Entry points of installed distributions, by group.

INTERFACE (fixed; the cached implementation replaces this body): ``entry_points(group)`` and
``groups()`` read the distributions on ``sys.path`` (or ``path``) as importlib.metadata does,
in the same order, the first distribution of a normalised name winning.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Iterator
    from importlib.metadata import Distribution, EntryPoint


class EntryPointRecord(NamedTuple):
    """One entry point of one installed distribution."""

    group: str
    name: str
    value: str  # "module:attr" or "module"
    dist: str | None  # the distribution's name as its metadata spells it
    version: str | None
    location: str | None  # the .dist-info / .egg-info directory it was read from


def entry_points(group: str, *, path: list[str] | None = None) -> list[EntryPointRecord]:
    """The entry points of ``group`` in the distributions on ``path`` (default ``sys.path``)."""
    import importlib.metadata as md

    return [
        _record(dist, ep)
        for dist in _distributions(md, path)
        for ep in dist.entry_points
        if ep.group == group
    ]


def groups(*, path: list[str] | None = None) -> list[str]:
    """Every entry-point group offered by the distributions on ``path``, sorted."""
    import importlib.metadata as md

    return sorted({ep.group for dist in _distributions(md, path) for ep in dist.entry_points})


def _distributions(md: object, path: list[str] | None) -> Iterator[Distribution]:
    import importlib.metadata

    seen = set()
    for dist in importlib.metadata.distributions(path=sys.path if path is None else path):
        name = dist.metadata["Name"]
        key = (name or "").lower().replace("-", "_").replace(".", "_")
        if key in seen:
            continue
        seen.add(key)
        yield dist


def _record(dist: Distribution, ep: EntryPoint) -> EntryPointRecord:
    location = getattr(dist, "_path", None)
    return EntryPointRecord(
        ep.group,
        ep.name,
        ep.value,
        dist.metadata["Name"],
        dist.version,
        None if location is None else str(location),
    )
