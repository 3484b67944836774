"""Virtual distributions: ``virtual(..., distribution=(name, version), entry_points=...)``.

A virtual distribution is a :class:`DistributionRule` on the router (stage ``DISTRIBUTION``,
covering no module name). ``importlib.metadata`` asks every finder on ``sys.meta_path`` for
distributions; the router asks its distribution rules, and each answers with a
:class:`~importcraft.sources._metadata.VirtualDistribution` whose files are the modules of its
source. The rule goes with the Hook of its ``virtual()`` call.

Which lookups see one: those over ``sys.path``, the default of ``importlib.metadata``
(``entry_points()``, ``version()``, ``distributions()`` and the rest) or a list equal to it. A
lookup over other paths (``distributions(path=[site_dir])``) does not: a virtual distribution
lives in no directory. The router is first on ``sys.meta_path``, so a virtual distribution
comes before the installed ones, and ``importlib.metadata`` keeps the first distribution of a
name: a virtual one hides an installed one of the same normalised name (``version()``,
``distribution()``, ``entry_points()``), and among virtual ones the newest wins.

The functions :func:`entry_points`, :func:`groups` and :func:`distribution_names` say the same
without importing ``importlib.metadata``: for code that reads the installed distributions
another way (the plugin manager's index) and adds the virtual ones.
"""

from __future__ import annotations

import sys

from ..core._names import is_module_name
from ..core._router import DISTRIBUTION, ROUTER, Rule

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from ._dict import DictSource

#: One entry point as :func:`entry_points` lists it: group, name, value ("module:attr"),
#: distribution name, distribution version, and where the distribution is (``None``: nowhere).
EntryPointRow = tuple[str, str, str, str | None, str | None, str | None]

_NAME_HINT = "letters, digits, '.', '_' and '-', starting and ending with a letter or digit"


class DistributionRule(Rule):
    """One virtual distribution: its name, version, entry points and the source of its code."""

    __slots__ = ("entry_points", "name", "normalized", "prefix", "source", "version")

    def __init__(
        self,
        name: str,
        version: str,
        entry_points: tuple[tuple[str, str, str], ...],
        source: DictSource,
        prefix: str | None,
    ) -> None:
        super().__init__(DISTRIBUTION, None)
        self.name = name
        self.version = version
        self.normalized = normalize(name)
        self.entry_points = entry_points  # (group, name, value), in the order given
        self.source = source
        self.prefix = prefix

    def distributions(self, context: Any) -> Iterable[Any]:
        """The distribution, if ``context`` (importlib.metadata's) asks for it; see the module."""
        if context is not None:
            wanted = context.name
            if wanted is not None and (
                not isinstance(wanted, str) or normalize(wanted) != self.normalized
            ):
                return ()
            path = context.path
            if path is not sys.path and path != sys.path:
                return ()
        from ._metadata import VirtualDistribution

        distribution = VirtualDistribution(
            self.name, self.version, self.normalized, self.entry_points, self.source, self.prefix
        )
        return (distribution,)

    def __repr__(self) -> str:
        return f"<DistributionRule {self.name!r} {self.version!r}>"


def normalize(name: str) -> str:
    """A distribution name as ``importlib.metadata`` compares it: runs of ``-_.`` become one
    ``_``, letters lower case (``"My.Plugins"`` and ``"my-plugins"`` are one name)."""
    out: list[str] = []
    after_separator = False
    for char in name.lower():
        if char in "-_.":
            if not after_separator:
                out.append("_")
            after_separator = True
        else:
            out.append(char)
            after_separator = False
    return "".join(out)


# -- what the plugin manager asks, without importlib.metadata -----------------------------------


def _seen() -> list[DistributionRule]:
    """The virtual distributions ``importlib.metadata`` sees now, in its order, one per name."""
    if not any(finder is ROUTER for finder in sys.meta_path):
        return []  # importlib.metadata would not ask the router (an isolated() gone wrong)
    seen: dict[str, DistributionRule] = {}
    for rule in ROUTER.distribution_rules():  # newest first: the newest of a name wins
        if isinstance(rule, DistributionRule) and rule.normalized not in seen:
            seen[rule.normalized] = rule
    return list(seen.values())


def entry_points(group: str) -> list[EntryPointRow]:
    """The entry points of ``group`` that virtual distributions offer now.

    In the order ``importlib.metadata.entry_points(group=group)`` lists them (before those of
    installed distributions, which the caller adds, leaving out the installed distributions
    whose normalised name is in :func:`distribution_names`). Imports nothing.
    """
    return [
        (group, name, value, rule.name, rule.version, None)
        for rule in _seen()
        for ep_group, name, value in rule.entry_points
        if ep_group == group
    ]


def groups() -> set[str]:
    """The entry-point groups that virtual distributions offer now."""
    return {group for rule in _seen() for group, _, _ in rule.entry_points}


def distribution_names() -> set[str]:
    """The normalised names (see :func:`normalize`) of the virtual distributions seen now.

    ``importlib.metadata`` hides an installed distribution of one of these names.
    """
    return {rule.normalized for rule in _seen()}


# -- checking virtual()'s arguments ---------------------------------------------------------------


def distribution_rule(
    distribution: object, entry_points: object, source: DictSource, prefix: str | None
) -> DistributionRule:
    """The rule for ``virtual(..., distribution=..., entry_points=...)``, arguments checked.

    Raises ``TypeError`` or ``ValueError`` naming the argument at fault; nothing is registered.
    """
    if distribution is None:
        raise TypeError(
            "virtual(): entry_points needs distribution=(name, version) too, such as "
            "distribution=('my-plugins', '1.0'): importlib.metadata lists entry points only as "
            "part of a distribution. For a plugin without a distribution use "
            "importcraft.add_plugin(group, name, value)"
        )
    name, version = _check_distribution(distribution)
    points = _check_entry_points(entry_points) if entry_points is not None else ()
    return DistributionRule(name, version, points, source, prefix)


def _check_distribution(distribution: object) -> tuple[str, str]:
    if not (isinstance(distribution, tuple | list) and len(distribution) == 2):
        raise TypeError(
            "virtual(): distribution must be a (name, version) pair of strings, such as "
            f"('my-plugins', '1.0'), not {distribution!r}"
        )
    name, version = distribution
    if not isinstance(name, str) or not isinstance(version, str):
        raise TypeError(
            "virtual(): distribution must be a (name, version) pair of strings, not "
            f"({type(name).__name__}, {type(version).__name__}): {distribution!r}"
        )
    if not _is_distribution_name(name):
        raise ValueError(
            f"virtual(): distribution name {name!r} is not a valid distribution name: use "
            f"{_NAME_HINT}, such as 'my-plugins'"
        )
    if not version or not version.isprintable() or any(c.isspace() for c in version):
        raise ValueError(
            f"virtual(): distribution version {version!r} (of {name!r}) must be a non-empty "
            "string without spaces or control characters, such as '1.0'"
        )
    return name, version


def _is_distribution_name(name: str) -> bool:
    """Whether ``name`` is a valid distribution name (PEP 508: ``[A-Za-z0-9][A-Za-z0-9._-]*``,
    ending in a letter or digit)."""
    return (
        name.isascii()
        and name[:1].isalnum()
        and name[-1:].isalnum()
        and all(c.isalnum() or c in "._-" for c in name)
    )


def _check_entry_points(entry_points: object) -> tuple[tuple[str, str, str], ...]:
    example = "such as {'myapp.plugins': {'csv': 'myapp_csv:Plugin'}}"
    if not _is_mapping(entry_points):
        raise TypeError(
            "virtual(): entry_points must be a mapping of group -> {name: 'module:attr'}, "
            f"{example}, not {type(entry_points).__name__}: {entry_points!r}"
        )
    rows: list[tuple[str, str, str]] = []
    for group, members in entry_points.items():  # type: ignore[attr-defined]
        if not isinstance(group, str):
            raise TypeError(
                f"virtual(): entry_points: group names must be str, not "
                f"{type(group).__name__}: {group!r}"
            )
        if not _is_group(group):
            raise ValueError(
                f"virtual(): entry_points group {group!r} is not a valid group name: use "
                "letters, digits, '_', '-' and '.' between non-empty parts, such as "
                "'myapp.plugins'"
            )
        if not _is_mapping(members):
            raise TypeError(
                f"virtual(): entry_points[{group!r}] must be a mapping of name -> "
                f"'module:attr', {example}, not {type(members).__name__}: {members!r}"
            )
        for name, value in members.items():
            where = f"virtual(): entry_points[{group!r}][{name!r}]"
            if not isinstance(name, str):
                raise TypeError(
                    f"virtual(): entry_points[{group!r}]: entry point names must be str, not "
                    f"{type(name).__name__}: {name!r}"
                )
            if not _is_entry_point_name(name):
                raise ValueError(
                    f"virtual(): entry_points[{group!r}]: entry point name {name!r} is not "
                    "valid: it must be non-empty, without '=', line breaks or spaces at either "
                    "end, and not start with '[', '#' or ';'"
                )
            if not isinstance(value, str):
                raise TypeError(
                    f"{where} must be a str such as 'module:attr', not "
                    f"{type(value).__name__}: {value!r}"
                )
            fault = _reference_fault(value)
            if fault is not None:
                raise ValueError(
                    f"{where} = {value!r} is not a valid entry point value: {fault}; write "
                    "'package.module' or 'package.module:attribute.path'"
                )
            rows.append((group, name, value))
    return tuple(rows)


def _is_mapping(value: object) -> bool:
    return hasattr(value, "items") and not isinstance(value, str | bytes)


def _is_group(group: str) -> bool:
    return all(part and all(c.isalnum() or c in "_-" for c in part) for part in group.split("."))


def _is_entry_point_name(name: str) -> bool:
    return (
        bool(name)
        and name == name.strip()
        and name.isprintable()
        and "=" not in name
        and name[0] not in "[#;"
    )


def _reference_fault(value: str) -> str | None:
    """What is wrong with a ``module[:attr]`` entry point value, or ``None``."""
    module, colon, attribute = value.partition(":")
    if "[" in value:
        return "extras ('[...]') are not supported by virtual distributions"
    if not is_module_name(module):
        return f"{module!r} is not a dotted module name"
    if colon and not all(part.isidentifier() for part in attribute.split(".")):
        return f"{attribute!r} is not a dotted attribute path"
    return None
