"""install(), mount() and virtual(): putting a Source on the router."""

from __future__ import annotations

import sys

from ..core import _state
from ..core._errors import raise_user_error, user_value_error
from ..core._names import check_module_name, is_module_name
from ..core._router import FALLBACK, RESOLVE, ROUTER, Rule
from ._base import Source
from ._dict import DictSource

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType


# isinstance() with a tuple: ``str | bytes`` would make a union object at every call.
_TEXT = (str, bytes)


class SourceRule(Rule):
    """Serves the names a source holds, under ``prefix`` or at the top level."""

    __slots__ = ("owner", "prefix", "source")

    def __init__(
        self, stage: int, key: str | None, source: Source, prefix: str | None, owner: object
    ) -> None:
        # Rule.__init__'s work, without the call: a thousand virtual() calls make a thousand.
        self.stage = stage
        self.key = key
        self.exact = False
        self.order = 0
        self.description = None  # set by the router from install()'s description
        self.source = source
        self.prefix = prefix
        self.owner = owner  # the same object for every rule of one install() call

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None
    ) -> ModuleSpec | None:
        prefix = self.prefix
        if prefix is None:
            name = fullname
        elif fullname == prefix:
            name = ""
        else:
            name = fullname[len(prefix) + 1 :]
        return self.source.find_spec(fullname, name, target)

    def inner_name(self, fullname: str) -> str | None:
        """The name of ``fullname`` inside the source, or ``None`` if the rule does not cover it."""
        prefix = self.prefix
        if prefix is None:
            return fullname
        if fullname == prefix:
            return ""
        if fullname.startswith(prefix + "."):
            return fullname[len(prefix) + 1 :]
        return None


class SourcePathHook:
    """The ``sys.path_hooks`` entry for the ``__path__`` of packages that sources serve.

    Such a package's ``__path__`` is ``["<virtual>/pkg"]``: no directory, so no path-entry finder
    of Python's accepts it and ``pkgutil.iter_modules(pkg.__path__)`` would list nothing. This
    hook accepts exactly those entries while a source serves the package, with a finder that lists
    the source's submodules. Any other entry is refused after one string test, once (importlib
    caches the answer per entry).
    """

    def __init__(self) -> None:
        self.finders: dict[str, SourcePathFinder] = {}  # path entry -> finder made for it

    def __call__(self, entry: str) -> SourcePathFinder:
        if not (isinstance(entry, str) and entry.startswith("<") and ">/" in entry):
            raise ImportError("not the path of a package served by an importcraft source")
        label, _, stem = entry[1:].partition(">/")
        finder = SourcePathFinder(label, stem.replace("/", "."), entry)
        if finder.serving() is None:
            raise ImportError(f"no importcraft source serves a package at {entry!r}")
        with _state.LOCK:
            self.finders[entry] = finder
        return finder

    def __repr__(self) -> str:
        return "<importcraft path hook for packages served by sources>"


class SourcePathFinder:
    """The path-entry finder of one package served by a source: lists and finds its submodules.

    It asks the router's rules each time, so it follows sources being installed and removed.
    """

    def __init__(self, label: str, package: str, entry: str) -> None:
        self.label = label
        self.package = package
        self.entry = entry

    def serving(self) -> tuple[Source, str] | None:
        """The source serving the package now, and the package's name inside it."""
        rules = ROUTER.rules_for(self.package)
        for stage in (RESOLVE, FALLBACK):
            for rule in rules:
                if not (isinstance(rule, SourceRule) and rule.stage == stage):
                    continue
                source = rule.source
                name = rule.inner_name(self.package)
                if name is None or source.label != self.label:
                    continue
                spec = source.find_spec(self.package, name)
                if spec is not None and spec.submodule_search_locations == [self.entry]:
                    return source, name
        return None

    def iter_modules(self, prefix: str = "") -> Iterator[tuple[str, bool]]:
        """``(prefix + name, is_package)`` for each submodule, as ``pkgutil.iter_modules`` asks."""
        found = self.serving()
        if found is None:
            return
        source, name = found
        try:
            children = source.submodules(name)
        except Exception as exc:
            raise_user_error(source, f"submodules({name!r})", exc, self.package)
        if isinstance(children, str | bytes):
            raise user_value_error(
                source, f"submodules({name!r})", children, "an iterable of names", self.package
            )
        for child in sorted(set(children)):
            if not (is_module_name(child) and "." not in child):
                raise user_value_error(
                    source,
                    f"submodules({name!r})",
                    child,
                    "module names without dots",
                    self.package,
                )
            fullname = f"{self.package}.{child}"
            spec = source.find_spec(fullname, f"{name}.{child}" if name else child)
            if spec is not None:
                yield prefix + child, spec.submodule_search_locations is not None

    def find_spec(self, fullname: str, target: ModuleType | None = None) -> ModuleSpec | None:
        """The spec of a submodule of the package, as the router's rule would give it."""
        package, _, child = fullname.rpartition(".")
        found = self.serving() if package == self.package else None
        if found is None:
            return None
        source, name = found
        return source.find_spec(fullname, f"{name}.{child}" if name else child, target)

    def invalidate_caches(self) -> None:
        """Nothing to forget: the sources' own caches are cleared through the router."""

    def __repr__(self) -> str:
        return f"<importcraft.SourcePathFinder {self.package!r} at {self.entry!r}>"


PATH_HOOK = SourcePathHook()


def install(source: Source, *, prefix: str | None = None, fallback: bool = False) -> _state.Hook:
    """Serve the modules of ``source``, at the top level or under ``prefix``.

    With ``prefix``, the source's modules appear under it and ``prefix`` itself is a package
    (the same as :func:`mount`). With ``fallback=True`` the source serves a name only when no
    other finder on ``sys.meta_path`` finds it. Example::

        hook = importcraft.install(importcraft.DirectorySource("vendor"), fallback=True)
        import yaml     # the installed PyYAML if there is one, else vendor/yaml
        hook.remove()
    """
    return _install(source, prefix, fallback, None)


def mount(prefix: str, source: Source) -> _state.Hook:
    """Serve ``prefix`` and every name under ``prefix.`` from ``source``, and nothing else.

    ``prefix`` becomes a package whose submodules are the source's modules::

        importcraft.mount("plugins", importcraft.DirectorySource("/srv/plugins"))
        import plugins.json_handler          # /srv/plugins/json_handler.py
    """
    if prefix is None:
        raise TypeError(
            f"mount(prefix, source) needs a package name as prefix, not None; to serve "
            f"{source!r} at the top level use importcraft.install(source)"
        )
    return _install(source, prefix, False, f"mount({prefix!r}, {source!r})")


def virtual(
    mapping: Mapping[str, str | bytes],
    *,
    prefix: str | None = None,
    resources: Mapping[str, Mapping[str, bytes | str]] | None = None,
    entry_points: Mapping[str, Mapping[str, str]] | None = None,
    distribution: tuple[str, str] | None = None,
) -> _state.Hook:
    """Make modules from source text: ``mapping`` maps dotted names to ``str`` or ``bytes``.

    A name with children is a package (its own key, if present, is its ``__init__``); relative
    imports work; ``resources`` maps a package to ``{filename: bytes}`` for
    ``importlib.resources``. See :class:`~importcraft.DictSource`. Example::

        with importcraft.virtual({"app": "from .util import twice", "app.util": "def twice(x): "
                                  "return 2 * x"}):
            from app import twice

    ``distribution=(name, version)`` makes ``importlib.metadata`` see an installed distribution
    whose code is these modules, with the ``entry_points`` given (``{group: {name:
    "module:attr"}}``): ``entry_points()``, ``version()``, ``distribution()``,
    ``packages_distributions()`` and ``files()`` report it while the hook is active. See
    ``docs/sources.md``, "Virtual distributions"::

        importcraft.virtual({"fake_csv": "class Plugin: ..."}, distribution=("fake-csv", "1.0"),
                            entry_points={"myapp.plugins": {"csv": "fake_csv:Plugin"}})
    """
    source = DictSource(mapping, resources=resources)
    extra: tuple[Rule, ...] = ()
    if distribution is not None or entry_points is not None:
        # Loaded only here: plain virtual() calls never pay for it.
        from ._distributions import distribution_rule

        extra = (distribution_rule(distribution, entry_points, source, prefix),)
    names = tuple(mapping)  # the names now; the text of the description is made when read

    def describe() -> str:
        ordered = sorted(names)
        shown = ", ".join(repr(n) for n in ordered[:4]) + (", ..." if len(ordered) > 4 else "")
        where = f", prefix={prefix!r}" if prefix is not None else ""
        if distribution is not None:
            where += f", distribution={tuple(distribution)!r}"
        return f"virtual([{shown}]{where})"

    return _install(source, prefix, False, describe, extra)


def _install(
    source: Source,
    prefix: str | None,
    fallback: bool,
    description: str | Callable[[], str] | None,
    extra: tuple[Rule, ...] = (),
) -> _state.Hook:
    if not isinstance(source, Source):
        raise TypeError(
            "importcraft needs a Source (DictSource, DirectorySource, EnvSource or a subclass "
            f"of importcraft.Source), not {type(source).__name__}: {source!r}"
        )
    stage = FALLBACK if fallback else RESOLVE
    if prefix is not None:
        check_module_name(prefix, "prefix")
    elif source.mount_only:
        raise ValueError(
            f"{source!r} cannot serve top-level modules; mount it under a package name, "
            f"for example importcraft.mount('config', {source!r})"
        )
    if description is None:
        args = [repr(source)]
        args += [f"prefix={prefix!r}"] if prefix is not None else []
        args += ["fallback=True"] if fallback else []
        description = f"install({', '.join(args)})"
    installed = _Installed(source, prefix, stage, description, extra)
    rules = installed.make_rules()  # may raise: nothing has been changed yet
    with _state.LOCK:
        ROUTER.replace((), [*rules, *extra], description)
        ROUTER.add_cache_clearer(installed.refresh)
        for hook in sys.path_hooks:
            if hook is PATH_HOOK:
                break
        else:
            _state.insert_path_hook(PATH_HOOK)  # also forgets entries no hook accepted so far
        return _state.register(description, installed.undo)


class _Installed:
    """One ``install()``: makes its rules, refreshes them, takes them away.

    It owns its rules (``SourceRule.owner``), which are read back from the router rather than
    kept here: ``isolated()`` may have put back the rules of before a refresh. ``extra`` rules
    (a virtual distribution's) come and go with it but are never remade by a refresh.
    """

    __slots__ = ("description", "extra", "prefix", "source", "stage")

    def __init__(
        self,
        source: Source,
        prefix: str | None,
        stage: int,
        description: str | Callable[[], str],
        extra: tuple[Rule, ...] = (),
    ) -> None:
        self.description = description
        self.source = source
        self.prefix = prefix
        self.stage = stage
        self.extra = extra

    def make_rules(self) -> list[Rule]:
        prefix = self.prefix
        if prefix is not None:
            return [SourceRule(self.stage, prefix, self.source, prefix, self)]
        return _top_level_rules(self.source, self.stage, self)

    def current(self) -> list[Rule]:
        return [r for r in ROUTER.all_rules() if isinstance(r, SourceRule) and r.owner is self]

    def refresh(self) -> None:
        self.source.invalidate_caches()
        if self.prefix is None:
            with _state.LOCK:
                ROUTER.replace(self.current(), self.make_rules(), self.description)

    def undo(self) -> None:
        ROUTER.remove_cache_clearer(self.refresh)
        ROUTER.remove([*self.current(), *self.extra])
        if not any(isinstance(rule, SourceRule) for rule in ROUTER.all_rules()):
            _state.remove_path_hook(PATH_HOOK, PATH_HOOK.finders)


def _top_level_rules(source: Source, stage: int, owner: object) -> list[Rule]:
    try:
        roots = source.roots()
    except Exception as exc:
        raise_user_error(source, "roots()", exc)
    if roots is None:
        return [SourceRule(stage, None, source, None, owner)]
    if isinstance(roots, _TEXT) or not hasattr(roots, "__iter__"):
        raise TypeError(
            f"{source!r}.roots() returned {roots!r} ({type(roots).__name__}); it must return an "
            "iterable of top-level names such as ['app', 'tools'], or None for 'ask me about "
            "every import'"
        )
    rules: list[Rule] = []
    for root in roots:
        if root == "":
            raise ValueError(
                f"{source!r} has a module named '' (the package it is mounted as) but no prefix "
                "was given; use importcraft.mount(prefix, source)"
            )
        try:
            check_module_name(root, "top-level name")
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{source!r}.roots(): {exc}") from None
        if "." in root:
            raise ValueError(f"{source!r}.roots() returned {root!r}, which is not top-level")
        rules.append(SourceRule(stage, root, source, None, owner))
    return rules
