"""block() and allow_only(): policies that refuse imports.

A guard against accidental imports, not a security sandbox: code that wants a blocked module can
still reach it (through ``sys.meta_path``, importlib's internals or the module objects other code
already holds).
"""

from __future__ import annotations

import os
import sys

from ..core import _state
from ..core._errors import ImportBlockedError, ImportcraftWarning
from ..core._names import check_module_name, is_module_name
from ..core._router import DECORATE, POLICY, Rule, add_rules

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from importlib.machinery import ModuleSpec


# What allow_only(stdlib=False) loads first, so that refusing the standard library never breaks
# importcraft: its library modules (and the stdlib modules they import), and every stdlib module
# its code imports inside functions. tests/test_policy.py checks both lists against the source.
_OWN_MODULES = (
    "importcraft.cli._config",
    "importcraft.core._cachedir",
    "importcraft.core._errors",
    "importcraft.core._frames",
    "importcraft.core._loaders",
    "importcraft.core._names",
    "importcraft.core._pep302",
    "importcraft.core._resources",
    "importcraft.core._router",
    "importcraft.core._state",
    "importcraft.core._trace",
    "importcraft.core._wrapping",
    "importcraft.entrypoints._index",
    "importcraft.entrypoints._manager",
    "importcraft.inspect._contracts",
    "importcraft.inspect._cycles",
    "importcraft.inspect._explain",
    "importcraft.inspect._graph",
    "importcraft.inspect._graph_build",
    "importcraft.inspect._graph_cache",
    "importcraft.inspect._graph_cycles",
    "importcraft.inspect._graph_html",
    "importcraft.inspect._graph_scan",
    "importcraft.inspect._profile",
    "importcraft.inspect._report",
    "importcraft.lazy._attach",
    "importcraft.lazy._modules",
    "importcraft.lazy._optional",
    "importcraft.rewrite._assert_explain",
    "importcraft.rewrite._assert_rewrite",
    "importcraft.rewrite._cache",
    "importcraft.rewrite._engine",
    "importcraft.rules._aliases",
    "importcraft.rules._legacy",
    "importcraft.rules._post_import",
    "importcraft.rules._post_import_loader",
    "importcraft.rules._versions",
    "importcraft.sources._base",
    "importcraft.sources._dict",
    "importcraft.sources._directory",
    "importcraft.sources._distributions",
    "importcraft.sources._env",
    "importcraft.sources._install",
    "importcraft.sources._metadata",
    "importcraft.transformers",
)
_OWN_STDLIB = (
    "ast",
    "asyncio.coroutines",
    "atexit",
    "collections.abc",
    "concurrent.futures",
    "concurrent.futures.process",
    "dataclasses",
    "difflib",
    "functools",
    "importlib",
    "importlib.metadata",
    "importlib.resources.abc",
    "importlib.util",
    "inspect",
    "keyword",
    "linecache",
    "multiprocessing",
    "operator",
    "pathlib",
    "platform",
    "pprint",
    "sysconfig",
    "threading",
    "time",
    "traceback",
    "warnings",
    "zipfile",
    "zlib",
)


class PolicyRule(Rule):
    """Refuses the names it covers, naming the hook that did it and why."""

    __slots__ = ("reason",)

    def __init__(self, key: str | None, description: str, reason: str | None) -> None:
        super().__init__(POLICY, key)
        self.description = description  # shared by the rules of one call, never copied
        self.reason = reason

    def refuse(self, fullname: str, why: str = "") -> ImportBlockedError:
        because = f": {self.reason}" if self.reason else ""
        return ImportBlockedError(
            f"import of {fullname!r} is blocked by importcraft.{self.description}{because}"
            f"{why} (remove that hook to allow it)",
            name=fullname,
        )


class BlockRule(PolicyRule):
    __slots__ = ()

    def check(self, fullname: str) -> None:
        raise self.refuse(fullname)


class AllowOnlyRule(PolicyRule):
    __slots__ = ("allowed", "ancestors", "maybe_distributions", "stdlib")

    def __init__(
        self,
        names: frozenset[str],
        stdlib: bool,
        description: str,
        reason: str | None,
        maybe_distributions: tuple[str, ...] = (),
    ) -> None:
        super().__init__(None, description, reason)
        self.stdlib = stdlib
        self._allow(names)
        # Module names that may also name a distribution installing other modules ("attrs"
        # installs attr too): looked up once, when a name would first be refused, so that
        # registering costs no scan of sys.path's metadata.
        self.maybe_distributions = maybe_distributions

    def _allow(self, names: frozenset[str]) -> None:
        self.allowed = names
        # Importing a.b.c imports a and a.b first: they must be allowed too.
        self.ancestors = frozenset(
            name.rsplit(".", depth)[0] for name in names for depth in range(1, name.count(".") + 1)
        )

    def listed(self, fullname: str) -> bool:
        """Whether ``fullname`` is allowed by name: listed, under or above a listed name."""
        return (
            fullname in self.ancestors
            or _under(fullname, self.allowed)
            or fullname.partition(".")[0] == "importcraft"
        )

    def check(self, fullname: str) -> None:
        if self.listed(fullname):
            return
        if self.stdlib and fullname.partition(".")[0] in sys.stdlib_module_names:
            return  # if it comes from the standard library: StdlibOriginRule checks the spec
        pending, self.maybe_distributions = self.maybe_distributions, ()
        if pending:
            self._allow(self.allowed | _distributions_modules(pending))
            if self.listed(fullname):
                return
        raise self.refuse(fullname)


class StdlibOriginRule(Rule):
    """Refuses a module admitted by its standard-library name that is not the standard one.

    ``sys.stdlib_module_names`` lists the modules of every platform, so ``winreg.py`` on Linux
    (or a ``json.py`` next to the script, which comes first on ``sys.path``) has a standard
    name without being standard: where the spec says it comes from decides.
    """

    __slots__ = ("locations", "policy")

    def __init__(self, policy: AllowOnlyRule, locations: tuple[str, ...]) -> None:
        # First among decorators: it checks the spec before any other wraps its loader.
        super().__init__(DECORATE, None, order=float("-inf"))
        self.policy = policy
        self.locations = locations

    def decorate(self, spec: ModuleSpec) -> ModuleSpec:
        name = spec.name
        if self.policy.listed(name) or name.partition(".")[0] not in sys.stdlib_module_names:
            return spec
        origin = spec.origin
        if origin in ("built-in", "frozen"):
            return spec
        places = [origin] if origin else list(spec.submodule_search_locations or ())
        if places and all(self._standard(place) for place in places):
            return spec
        raise self.policy.refuse(
            name,
            f" ({name!r} is named like a standard-library module, but this one comes from "
            f"{origin or places or 'nowhere'}, outside the standard library)",
        )

    def _standard(self, place: str) -> bool:
        for location in self.locations:
            if place.startswith(location):
                # A base interpreter's site-packages lies inside its standard library's folder.
                first = place[len(location) :].partition(os.sep)[0]
                return first not in ("site-packages", "dist-packages")
        return False


def _stdlib_locations() -> tuple[str, ...]:
    import sysconfig

    found: list[str] = []
    for key in ("stdlib", "platstdlib"):
        path = sysconfig.get_path(key)
        for variant in (path, os.path.realpath(path)):
            if variant and variant + os.sep not in found:
                found.append(variant + os.sep)
    return tuple(found)


def _describe(call: str, names: tuple[str, ...], extra: str = "") -> str:
    """``call('a', 'b')``, shortened for long lists: a description is kept, and read, whole."""
    return f"{call}({_listing(names, ', ... ({:,} more)')}{extra})"


def _listing(names: Sequence[str], more: str = " and {:,} more") -> str:
    """The first few of ``names``, quoted, then ``more`` formatted with how many are left."""
    shown = ", ".join(repr(n) for n in names[:_SHOWN])
    return shown + (more.format(len(names) - _SHOWN) if len(names) > _SHOWN else "")


_SHOWN = 10


def block(*names: str, reason: str | None = None, evict: bool = False) -> _state.Hook:
    """Refuse imports of ``names`` and of every module under them.

    Importing a blocked module raises :class:`~importcraft.ImportBlockedError` (a
    ``ModuleNotFoundError``) naming the module, this hook and ``reason``; probing for it with
    ``importlib.util.find_spec`` gives ``None``, as for a missing module.

    A module already in ``sys.modules`` would stay importable, as Python does not ask finders
    for it: ``block()`` then warns (:class:`~importcraft.ImportcraftWarning`, naming the
    modules), unless ``evict=True``, which removes them and their submodules from
    ``sys.modules`` (objects that already hold them keep them; removing the hook puts them
    back). A lazy module still waiting for its first use is not warned about: the block applies
    when it is first used. Example::

        with importcraft.block("requests", reason="tests must not touch the network"):
            import requests      # ImportBlockedError: import of 'requests' is blocked by ...
    """
    if not names:
        raise TypeError("block() needs at least one module name")
    for name in names:
        check_module_name(name, "block() name")
    if reason is not None and not isinstance(reason, str):
        raise TypeError(f"block() reason must be a str or None, not {reason!r}")
    rule_text = _describe("block", names)
    rules = [BlockRule(name, rule_text, reason) for name in names]
    description = _describe("block", names, f", reason={reason!r}" if reason else "")
    blocked = frozenset(names)
    if not evict:
        # A pending lazy module is not loaded yet: the policy applies when it is first used.
        lazy = sys.modules.get("importcraft.lazy._modules")
        imported = [
            name
            for name in _imported_under(blocked)
            if lazy is None or not lazy.is_lazy(sys.modules.get(name))
        ]
        if imported:
            from ..core._frames import warn_at_user

            # Before registering: under -W error the warning is an exception and nothing
            # changes.
            warn_at_user(
                f"{description} does not stop imports of {_listing(imported)}: already "
                "imported, so Python does not ask finders for them. Pass evict=True to remove "
                "them from sys.modules, or block before they are imported.",
                ImportcraftWarning,
            )
    if not evict:
        return add_rules(description, rules)

    def evict_imported() -> Callable[[], None]:
        evicted = {name: sys.modules.pop(name) for name in _imported_under(blocked)}

        def put_back() -> None:
            for module_name, module in evicted.items():
                sys.modules.setdefault(module_name, module)

        return put_back

    return add_rules(description, rules, also=evict_imported)


def _imported_under(names: frozenset[str]) -> list[str]:
    """The modules in ``sys.modules`` that are one of ``names`` or under one of them."""
    return [module_name for module_name in list(sys.modules) if _under(module_name, names)]


def _under(fullname: str, names: frozenset[str]) -> bool:
    """Whether ``fullname`` is one of ``names`` or under one of them."""
    cut = len(fullname)
    while cut > 0:
        if fullname[:cut] in names:
            return True
        cut = fullname.rfind(".", 0, cut)
    return False


def allow_only(*names: str, stdlib: bool = True, reason: str | None = None) -> _state.Hook:
    """Refuse every import outside ``names``, the standard library and importcraft itself.

    ``names`` are allowed with everything under them (and the packages above them, which Python
    must import first). A name may also be a distribution's (what ``pip install`` takes):
    ``allow_only("PyYAML")`` allows the module PyYAML installs, ``yaml``, and
    ``allow_only("attrs")`` allows ``attrs`` and ``attr``, both installed by attrs. With
    ``stdlib=True`` a module counts as standard only if it comes from the standard library's
    directories (or is built in): a ``winreg.py`` of one's own on Linux is refused. With
    ``stdlib=False`` the standard library is refused too. Modules already imported are not
    affected; probing a refused name with ``importlib.util.find_spec`` gives ``None``. Example::

        importcraft.allow_only("myapp", "requests", reason="the app's declared dependencies")
        import numpy             # ImportBlockedError: import of 'numpy' is blocked by ...

    It guards against accidental imports; it is not a security sandbox.
    """
    if reason is not None and not isinstance(reason, str):
        raise TypeError(f"allow_only() reason must be a str or None, not {reason!r}")
    allowed, maybe_distributions = _import_names(names)
    if not stdlib:
        import importlib

        for module_name in (*_OWN_MODULES, *_OWN_STDLIB):
            importlib.import_module(module_name)
        # Looking metadata up later would import modules this very rule refuses.
        allowed |= _distributions_modules(maybe_distributions)
        maybe_distributions = ()
    rule_text = _describe("allow_only", names, "" if stdlib else ", stdlib=False")
    rule = AllowOnlyRule(allowed, stdlib, rule_text, reason, maybe_distributions)
    rules: list[Rule] = [rule]
    if stdlib:
        rules.append(StdlibOriginRule(rule, _stdlib_locations()))
    description = rule_text[:-1] + (f", reason={reason!r})" if reason else ")")
    return add_rules(description, rules)


def _import_names(names: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The module names ``names`` stand for, and the names to look up as distributions later.

    A name that is no module name (``typing-extensions``) must be an installed distribution:
    its modules are looked up now. A module name stands for itself and, if it also names a
    distribution, for that distribution's modules (``attrs`` installs ``attr`` too): an
    importable one is looked up only when needed (see :class:`AllowOnlyRule`).
    """
    found: set[str] = set()
    later: list[str] = []
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"allow_only() name must be a str, not {type(name).__name__}: {name!r}")
        try:
            found.add(check_module_name(name, "allow_only() name"))
        except ValueError as exc:
            provided = _distribution_modules(name)
            if provided is None:
                raise ValueError(
                    f"{exc}, nor the name of an installed distribution (looked for in "
                    "sys.path's *.dist-info and *.egg-info)"
                ) from None
            found.update(provided)
        else:
            if _importable(name.partition(".")[0]):
                later.append(name)  # no sys.path scan for metadata now
            else:
                found |= _distributions_modules((name,))
    return frozenset(found), tuple(later)


def _distributions_modules(names: tuple[str, ...]) -> frozenset[str]:
    """The modules installed by the distributions among ``names`` (module names themselves).

    A module of a namespace distribution (zope.interface, whose top_level.txt says zope)
    stands for itself, not for the whole namespace.
    """
    return frozenset(
        module
        for name in names
        for module in _distribution_modules(name) or ()
        if not name.startswith(module + ".")
    )


def _importable(top: str) -> bool:
    """Whether the top-level module ``top`` is imported or can be found (nothing is imported)."""
    if top in sys.modules:
        return True
    import importlib.util

    try:
        return importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):  # refused by a policy, or a finder's own trouble
        return False


def _distribution_modules(name: str) -> list[str] | None:
    """The top-level modules the distribution ``name`` installs, or ``None`` if none is."""
    import importlib.metadata

    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return None
    except ValueError:  # not a name a distribution can have
        return None
    declared = (dist.read_text("top_level.txt") or "").split()
    if declared:
        return [module for module in declared if is_module_name(module)]
    # No top_level.txt (most wheels built without setuptools): what its files show, as
    # importlib.metadata.packages_distributions() infers it.
    found: set[str] = set()
    for file in dist.files or ():
        parts = file.parts
        if len(parts) > 1:
            top = parts[0]
        else:
            top, dot, suffix = parts[0].partition(".")
            if not dot or suffix.split(".")[-1] not in ("py", "so", "pyd", "pyc"):
                continue
        if is_module_name(top):
            found.add(top)
    return sorted(found)
