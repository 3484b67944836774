"""The plugin manager: ``plugins(group)`` and ``add_plugin(group, name, target)``.

Where the entry points of a group come from, highest precedence first:

1. ``add_plugin()`` registrations (no distribution; the newest first);
2. virtual distributions served by importcraft's sources (``virtual(..., entry_points=...)``),
   asked only when ``importcraft.sources._distributions`` is loaded: the router is first on
   ``sys.meta_path``, so ``importlib.metadata`` sees them first too;
3. installed distributions, from ``_index.entry_points(group)``, in ``sys.path`` order.

A name offered more than once is a *conflict*: the first of that order wins (for installed
distributions, the one ``importlib.metadata.entry_points(group=...)[name]`` returns), and every
offer is listed in ``Plugins.conflicts`` and named in a warning.

Nothing here imports ``importlib.metadata``: discovery goes through ``_index``, and a value
``"module:attr"`` is loaded with ``importlib.import_module`` and an attribute walk.
"""

from __future__ import annotations

import os
import sys
import warnings
from _thread import RLock

from ..core import _state
from ..core._errors import ImportcraftError, ImportcraftWarning
from . import _index

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
    from typing import Any

__all__ = [
    "CallResult",
    "PluginConflict",
    "PluginEntry",
    "PluginError",
    "PluginFailure",
    "Plugins",
    "add_plugin",
    "plugins",
]

ENV_DISABLE = "IMPORTCRAFT_DISABLE_PLUGINS"

# The stages a plugin can fail at (PluginFailure.stage).
IMPORT = "import"
INTERFACE = "interface"
INSTANTIATE = "instantiate"

_MISSING: Any = object()


class PluginEntry:
    """One plugin as discovered: where it comes from, without loading any of its code.

    ``dist`` and ``version`` are ``None`` for a plugin registered with ``add_plugin()``;
    ``value`` is ``"module:attr"`` (or ``"module"``), or for a registered object its
    ``module:qualname`` (or its ``repr``).
    """

    __slots__ = ("dist", "group", "location", "name", "target", "value", "version")

    def __init__(
        self,
        group: str,
        name: str,
        value: str,
        dist: str | None,
        version: str | None,
        location: str | None = None,
        target: object = _MISSING,
    ) -> None:
        self.group = group
        self.name = name
        self.value = value
        self.dist = dist
        self.version = version
        self.location = location
        self.target = target  # the registered object itself; _MISSING: import ``value``

    @property
    def origin(self) -> str:
        """Where the plugin comes from, in words: ``"dist 1.0"`` or ``"add_plugin()"``."""
        if self.dist is None:
            return "add_plugin()"
        return self.dist if self.version is None else f"{self.dist} {self.version}"

    def __repr__(self) -> str:
        return f"<importcraft plugin {self.group}:{self.name} = {self.value!r} from {self.origin}>"


class PluginFailure:
    """A plugin that could not be loaded: which one, at which ``stage``, and why.

    ``stage`` is ``"import"``, ``"interface"`` or ``"instantiate"``; ``exception`` is the
    exception raised (its ``__traceback__`` kept); ``reason`` says it in one line.
    """

    __slots__ = ("entry", "exception", "reason", "stage")

    def __init__(self, entry: PluginEntry, stage: str, exception: BaseException, reason: str):
        self.entry = entry
        self.stage = stage
        self.exception = exception
        self.reason = reason

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def group(self) -> str:
        return self.entry.group

    @property
    def dist(self) -> str | None:
        return self.entry.dist

    @property
    def version(self) -> str | None:
        return self.entry.version

    @property
    def value(self) -> str:
        return self.entry.value

    def __str__(self) -> str:
        return (
            f"plugin {self.name!r} of group {self.group!r} ({self.value}, from "
            f"{self.entry.origin}) failed to load: {self.reason}"
        )

    def __repr__(self) -> str:
        return f"<importcraft.PluginFailure {self.group}:{self.name} [{self.stage}] {self.reason}>"


class PluginConflict:
    """One name offered more than once in a group: ``entries`` in precedence order, the first
    (``winner``) being the one the group uses."""

    __slots__ = ("entries", "group", "name")

    def __init__(self, group: str, name: str, entries: tuple[PluginEntry, ...]) -> None:
        self.group = group
        self.name = name
        self.entries = entries

    @property
    def winner(self) -> PluginEntry:
        return self.entries[0]

    def __str__(self) -> str:
        offers = ", ".join(f"{e.origin} ({e.value})" for e in self.entries)
        return (
            f"plugin {self.name!r} of group {self.group!r} is offered {len(self.entries)} "
            f"times: {offers}; the first, from {self.winner.origin}, is used"
        )

    def __repr__(self) -> str:
        return f"<importcraft.PluginConflict {self.group}:{self.name} x{len(self.entries)}>"


class PluginError(ImportcraftError):
    """A plugin could not be loaded (with ``strict=True``, or asked for by name).

    ``failure`` is the :class:`PluginFailure` record (``None`` for :meth:`Plugins.one`
    finding several offers); the exception the plugin raised is the ``__cause__``.
    """

    def __init__(self, message: str, failure: PluginFailure | None = None) -> None:
        super().__init__(message)
        self.failure = failure


class PluginNotFoundError(KeyError):
    """No plugin of that name in the group (a ``KeyError`` whose message reads well)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class CallResult:
    """What :meth:`Plugins.call` got: ``results`` (name to return value) and ``errors`` (name
    to the exception that plugin raised, or that kept it from loading)."""

    __slots__ = ("errors", "results")

    def __init__(self) -> None:
        self.results: dict[str, Any] = {}
        self.errors: dict[str, BaseException] = {}

    def __repr__(self) -> str:
        return (
            f"<importcraft.CallResult results={sorted(self.results)} errors={sorted(self.errors)}>"
        )


# add_plugin() registrations: group -> entries, newest first. Each value is a tuple replaced
# whole under _state.LOCK, so readers never lock.
_REGISTERED: dict[str, tuple[PluginEntry, ...]] = {}


def _snapshot() -> Callable[[], None]:
    saved = dict(_REGISTERED)

    def restore() -> None:
        _REGISTERED.clear()
        _REGISTERED.update(saved)

    return restore


_state.add_snapshotter(_snapshot)


def add_plugin(group: str, name: str, target: object) -> _state.Hook:
    """Offer ``target`` as the plugin ``name`` of entry-point group ``group``, without any
    distribution: for tests, and for applications registering their built-in plugins.

    ``target`` is a ``"module:attr"`` string (imported when the plugin is loaded, as an entry
    point's value is) or the object itself. A registration takes precedence over discovered
    plugins of the same name (reported as a conflict); the newest registration comes first.
    Returns a :class:`Hook`; ``remove()`` takes the registration back::

        with importcraft.add_plugin("myapp.formats", "csv", CsvFormat):
            assert "csv" in importcraft.plugins("myapp.formats")
    """
    _check_name("group", group)
    _check_name("name", name)
    if isinstance(target, str):
        _parse_value(target)  # a ValueError now, not at load time
        entry = PluginEntry(group, name, target, None, None)
        shown = repr(target)
    else:
        if target is None:
            raise TypeError(
                f"add_plugin({group!r}, {name!r}, None): the target must be a 'module:attr' "
                "string or the plugin object itself"
            )
        entry = PluginEntry(group, name, _describe_object(target), None, None, target=target)
        shown = entry.value
    description = f"add_plugin({group!r}, {name!r}, {shown})"
    with _state.LOCK:
        _REGISTERED[group] = (entry, *_REGISTERED.get(group, ()))

        def undo() -> None:
            rest = tuple(e for e in _REGISTERED.get(group, ()) if e is not entry)
            if rest:
                _REGISTERED[group] = rest
            else:
                _REGISTERED.pop(group, None)

        return _state.register(description, undo)


def _check_name(what: str, value: object) -> None:
    if not isinstance(value, str):
        raise TypeError(f"add_plugin(): the {what} must be a str, not {type(value).__name__}")
    if not value or value != value.strip() or "=" in value or "\n" in value:
        raise ValueError(
            f"add_plugin(): {value!r} is no valid entry-point {what} (it must be non-empty, "
            "without '=', line breaks or surrounding spaces)"
        )


def _describe_object(target: object) -> str:
    module = getattr(target, "__module__", None)
    qualname = getattr(target, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str):
        return f"{module}:{qualname}"
    return repr(target)


def _parse_value(value: str) -> tuple[str, list[str]]:
    """``"pkg.mod:Attr.inner [extra]"`` -> ``("pkg.mod", ["Attr", "inner"])``."""
    text = value.partition("[")[0].strip()  # extras do not change what is loaded
    module, colon, attrs = text.partition(":")
    module, attrs = module.strip(), attrs.strip()
    parts = module.split(".")
    walk = attrs.split(".") if colon else []
    if not all(p.isidentifier() for p in parts) or not all(a.isidentifier() for a in walk):
        raise ValueError(
            f"{value!r} is no entry-point value: it must be 'module' or 'module:attr' "
            "(dotted names, like 'mypkg.plugins:Plugin')"
        )
    return module, walk


def _load_value(value: str) -> object:
    """Import what an entry-point value names, as ``EntryPoint.load()`` does."""
    import importlib

    module_name, attrs = _parse_value(value)
    obj: object = importlib.import_module(module_name)
    for attr in attrs:
        obj = getattr(obj, attr)
    return obj


def _disabled_by_env(group: str) -> set[str]:
    """The names of ``group`` that ``IMPORTCRAFT_DISABLE_PLUGINS`` names."""
    names = set()
    for item in os.environ.get(ENV_DISABLE, "").split(","):
        item = item.strip()
        if not item:
            continue
        item_group, colon, name = item.rpartition(":")
        if not colon or item_group.strip() == group:
            names.add(name.strip())
    return names


def _discover(group: str) -> list[PluginEntry]:
    """Every offer of ``group``, in precedence order (see the module's docstring)."""
    found = list(_REGISTERED.get(group, ()))
    virtual = sys.modules.get("importcraft.sources._distributions")
    records: list[_index.EntryPointRecord] = []
    installed = _index.entry_points(group)
    if virtual is not None:
        records.extend(_index.EntryPointRecord(*t) for t in virtual.entry_points(group))
        # A virtual distribution hides an installed one of its name, as importlib.metadata
        # keeps the first distribution of a name and the router is asked first.
        hidden = virtual.distribution_names()
        if hidden:
            normalize = virtual.normalize
            installed = [r for r in installed if r.dist is None or normalize(r.dist) not in hidden]
    records.extend(installed)
    found.extend(
        PluginEntry(r.group, r.name, r.value, r.dist, r.version, r.location) for r in records
    )
    return found


def groups() -> list[str]:
    """Every entry-point group offered, from all three sources, sorted."""
    found = set(_index.groups()) | set(_REGISTERED)
    virtual = sys.modules.get("importcraft.sources._distributions")
    if virtual is not None:
        found |= set(virtual.groups())
    return sorted(found)


class Plugins:
    """The plugins of one entry-point group, as :func:`plugins` found them.

    Reading what is there loads no plugin code: ``names``, ``len()``, ``in``, iteration (over
    :class:`PluginEntry` records with ``name``, ``value``, ``dist``, ``version``),
    ``conflicts`` and ``disabled``. ``plugins[name]``, ``get()``, ``one()``, ``load_all()``
    and ``call()`` load plugins, each once; the failures gather in ``errors``.
    """

    def __init__(
        self,
        group: str,
        entries: Sequence[PluginEntry],
        *,
        interface: object = None,
        instantiate: bool = False,
        args: Sequence[object] = (),
        kwargs: Mapping[str, object] | None = None,
        strict: bool = False,
        enable: Iterable[str] | None = None,
        disable: Iterable[str] | None = None,
        on_error: Callable[[PluginFailure], object] | None = None,
    ) -> None:
        self.group = group
        self.interface = interface
        self.instantiate = instantiate
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})
        self.strict = strict
        self.on_error = on_error
        self.errors: list[PluginFailure] = []
        self.conflicts: list[PluginConflict] = []
        self.disabled: list[PluginEntry] = []
        self._lock = RLock()
        self._loaded: dict[str, object] = {}
        self._failed: dict[str, PluginFailure] = {}
        by_name: dict[str, list[PluginEntry]] = {}
        for entry in entries:
            by_name.setdefault(entry.name, []).append(entry)
        enabled = None if enable is None else set(enable)
        skipped = set(disable or ()) | _disabled_by_env(group)
        self._entries: dict[str, PluginEntry] = {}
        for name, offers in by_name.items():
            if len(offers) > 1:
                self.conflicts.append(PluginConflict(group, name, tuple(offers)))
            if name in skipped or (enabled is not None and name not in enabled):
                self.disabled.append(offers[0])
            else:
                self._entries[name] = offers[0]
        self._skipped = skipped
        if enabled is not None:
            unknown = sorted(enabled - set(by_name))
            if unknown:
                _warn(
                    f"plugins({group!r}, enable=...): no plugin named "
                    f"{', '.join(map(repr, unknown))} in the group; it offers "
                    f"{_listing(list(by_name))}"
                )
        for conflict in self.conflicts:
            if conflict.name in self._entries:  # a disabled name's conflict is only listed
                _warn(str(conflict))

    # -- reading, no plugin code runs --

    @property
    def names(self) -> list[str]:
        """The names of the enabled plugins, in precedence order of their first offer."""
        return list(self._entries)

    @property
    def entries(self) -> list[PluginEntry]:
        """The enabled plugins as discovered (what iteration gives)."""
        return list(self._entries.values())

    @property
    def loaded(self) -> dict[str, object]:
        """The plugins loaded so far, by name."""
        return dict(self._loaded)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[PluginEntry]:
        return iter(list(self._entries.values()))

    def __repr__(self) -> str:
        return (
            f"<importcraft.Plugins {self.group!r}: {len(self)} plugins, {len(self.errors)} "
            f"errors, {len(self.conflicts)} conflicts, {len(self.disabled)} disabled>"
        )

    # -- loading --

    def __getitem__(self, name: str) -> Any:
        """The plugin ``name``, loaded (once). ``KeyError`` if there is none of that name;
        :class:`PluginError` if it fails to load."""
        entry = self._entry(name)
        return self._load(entry, raising=True)

    def get(self, name: str, default: Any = None) -> Any:
        """The plugin ``name``, loaded (once); ``default`` if there is none of that name or
        it fails to load (then it is in ``errors``, and a warning or ``on_error`` says so)."""
        entry = self._entries.get(name)
        if entry is None:
            return default
        value = self._load(entry, raising=False)
        return default if value is _MISSING else value

    def one(self, name: str) -> Any:
        """The plugin ``name``, which must be offered exactly once, loaded.

        ``KeyError`` when no enabled plugin has that name; :class:`PluginError` when several
        distributions offer it (a conflict) or when it fails to load.
        """
        entry = self._entry(name)
        for conflict in self.conflicts:
            if conflict.name == name:
                raise PluginError(f"plugins({self.group!r}).one({name!r}): {conflict}")
        return self._load(entry, raising=True)

    def load_all(self) -> dict[str, Any]:
        """Load every enabled plugin; return the ones that loaded, by name. The others are in
        ``errors`` (with ``strict=True`` the first failure raises)."""
        for entry in list(self._entries.values()):
            self._load(entry, raising=False)
        return {name: self._loaded[name] for name in self._entries if name in self._loaded}

    def call(self, method: str | Callable[..., Any], *args: Any, **kwargs: Any) -> CallResult:
        """Call ``method`` on every enabled plugin, loading those not loaded yet.

        ``method`` is the name of a method (``plugin.method(*args, **kwargs)``) or a function
        (``method(plugin, *args, **kwargs)``). A plugin that raises, or that failed to load,
        goes into the result's ``errors`` and does not stop the others (with ``strict=True`` a
        plugin that fails to load raises :class:`PluginError`, as everywhere).
        """
        result = CallResult()
        for entry in list(self._entries.values()):
            plugin = self._load(entry, raising=False)
            if plugin is _MISSING:
                result.errors[entry.name] = self._failed[entry.name].exception
                continue
            try:
                if isinstance(method, str):
                    value = getattr(plugin, method)(*args, **kwargs)
                else:
                    value = method(plugin, *args, **kwargs)
            except Exception as exc:
                result.errors[entry.name] = exc
            else:
                result.results[entry.name] = value
        return result

    def _entry(self, name: str) -> PluginEntry:
        entry = self._entries.get(name)
        if entry is not None:
            return entry
        raise PluginNotFoundError(self._missing_message(name))

    def _missing_message(self, name: str) -> str:
        head = f"no plugin {name!r} in entry-point group {self.group!r}"
        for entry in self.disabled:
            if entry.name == name:
                why = (
                    f"{ENV_DISABLE}={os.environ.get(ENV_DISABLE, '')!r}"
                    if name in _disabled_by_env(self.group)
                    else "the enable/disable arguments of plugins()"
                )
                return f"{head}: it is disabled by {why}"
        import difflib

        close = difflib.get_close_matches(name, list(self._entries), n=3)
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        return f"{head}{hint} (available: {_listing(list(self._entries))})"

    def _load(self, entry: PluginEntry, *, raising: bool) -> Any:
        """The plugin loaded, or ``_MISSING`` after recording a failure (raising
        :class:`PluginError` if ``raising`` or ``strict``)."""
        name = entry.name
        if name in self._loaded:
            return self._loaded[name]
        with self._lock:
            if name in self._loaded:
                return self._loaded[name]
            failure = self._failed.get(name)
            if failure is None:
                value, failure = self._make(entry)
                if failure is None:
                    self._loaded[name] = value
                    return value
                self._failed[name] = failure
                self.errors.append(failure)
                if not (raising or self.strict):
                    if self.on_error is not None:
                        self.on_error(failure)
                    else:
                        _warn(str(failure), stacklevel=4)
                    return _MISSING
            elif not raising:
                return _MISSING
        raise PluginError(str(failure), failure) from failure.exception

    def _make(self, entry: PluginEntry) -> tuple[Any, PluginFailure | None]:
        """Import, check and instantiate one plugin: (value, None) or (None, failure)."""
        try:
            obj = entry.target if entry.target is not _MISSING else _load_value(entry.value)
        except (Exception, SystemExit) as exc:  # a module calling sys.exit() is broken too
            return None, PluginFailure(entry, IMPORT, exc, _one_line(f"loading {entry.value}", exc))
        interface: Any = self.interface
        # A plain class is checked before instantiating (a wrong class is not even called);
        # a Protocol or a predicate is asked about the plugin as the group will use it.
        late = interface is not None and (
            _is_protocol(interface) or not isinstance(interface, type)
        )
        if interface is not None and not late and not self._accepts(obj):
            return None, self._mismatch(entry, obj)
        if self.instantiate:
            if not callable(obj):
                error = TypeError(f"{obj!r} is not callable, so it cannot be instantiated")
                return None, PluginFailure(entry, INSTANTIATE, error, str(error))
            try:
                obj = obj(*self.args, **self.kwargs)
            except (Exception, SystemExit) as exc:
                reason = _one_line(f"instantiating {_describe_object(obj)}", exc)
                return None, PluginFailure(entry, INSTANTIATE, exc, reason)
        if late:
            try:
                accepted = self._accepts(obj)
            except Exception as exc:
                reason = _one_line(f"the interface check {interface!r}", exc)
                return None, PluginFailure(entry, INTERFACE, exc, reason)
            if not accepted:
                return None, self._mismatch(entry, obj)
        return obj, None

    def _accepts(self, obj: object) -> bool:
        interface: Any = self.interface
        if _is_protocol(interface):
            if isinstance(obj, type) and not self.instantiate:
                try:
                    return issubclass(obj, interface)
                except TypeError:  # a protocol with data members: only instances can be checked
                    return isinstance(obj, interface)
            return isinstance(obj, interface)
        if isinstance(interface, type):
            if isinstance(obj, type):
                return issubclass(obj, interface)
            return not self.instantiate and isinstance(obj, interface)
        return bool(interface(obj))

    def _mismatch(self, entry: PluginEntry, obj: object) -> PluginFailure:
        interface: Any = self.interface
        if isinstance(interface, type):
            kind = "an instance" if self.instantiate and _is_protocol(interface) else None
            wanted = kind or ("a subclass" if self.instantiate else "a subclass or an instance")
            reason = f"{_describe_object(obj)} is not {wanted} of {interface.__qualname__}"
        else:
            reason = f"{_describe_object(obj)} is refused by the interface check {interface!r}"
        exc = TypeError(reason)
        return PluginFailure(entry, INTERFACE, exc, reason)


def _is_protocol(interface: object) -> bool:
    return isinstance(interface, type) and bool(getattr(interface, "_is_protocol", False))


def _one_line(doing: str, exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{doing} raised {type(exc).__name__}" + (f": {text[0]}" if text else "")


def _listing(names: list[str]) -> str:
    if not names:
        return "none"
    shown = ", ".join(sorted(names)[:20])
    return shown + (f" and {len(names) - 20} more" if len(names) > 20 else "")


def _warn(message: str, stacklevel: int = 4) -> None:
    warnings.warn(message, ImportcraftWarning, stacklevel=stacklevel)


def _check_interface(interface: object) -> None:
    if interface is None:
        return
    if isinstance(interface, type):
        if _is_protocol(interface):
            try:
                isinstance(None, interface)
            except TypeError as exc:
                raise TypeError(
                    f"plugins(interface={interface.__qualname__}): a Protocol must be marked "
                    "@typing.runtime_checkable to be checked"
                ) from exc
        return
    if not callable(interface):
        raise TypeError(
            f"plugins(interface={interface!r}): the interface must be a class, a "
            "runtime_checkable Protocol or a predicate function"
        )


def plugins(
    group: str,
    *,
    interface: object = None,
    instantiate: bool = False,
    args: Sequence[object] = (),
    kwargs: Mapping[str, object] | None = None,
    strict: bool = False,
    enable: Iterable[str] | None = None,
    disable: Iterable[str] | None = None,
    on_error: Callable[[PluginFailure], object] | None = None,
) -> Plugins:
    """The plugins of entry-point group ``group``: discovered now, loaded when asked for.

    ``interface``: a class (each plugin must be a subclass of it, or with ``instantiate=False``
    also an instance), a ``runtime_checkable`` Protocol, or a predicate function. With
    ``instantiate=True`` each plugin is called with ``args`` and ``kwargs`` when loaded.
    A plugin that fails to import, fails the interface or raises while being instantiated
    goes into ``errors`` and is named by an :class:`ImportcraftWarning` (or passed to
    ``on_error`` instead); ``strict=True`` raises :class:`PluginError` instead. ``enable``
    (only these names) and ``disable``, and the environment variable
    ``IMPORTCRAFT_DISABLE_PLUGINS`` (``name`` or ``group:name``, comma-separated) skip
    plugins; the skipped ones are in ``disabled``::

        found = importcraft.plugins("myapp.formats", interface=Format, instantiate=True)
        for name in found.names:          # no plugin code has run yet
            print(name, found[name])      # loads that one plugin
    """
    if not isinstance(group, str) or not group:
        raise TypeError(f"plugins(): the group must be a non-empty str, not {group!r}")
    for what, names in (("enable", enable), ("disable", disable)):
        if isinstance(names, str):
            raise TypeError(f"plugins({group!r}, {what}={names!r}): give a list of names")
    _check_interface(interface)
    if on_error is not None and not callable(on_error):
        raise TypeError(f"plugins({group!r}, on_error={on_error!r}): must be callable")
    return Plugins(
        group,
        _discover(group),
        interface=interface,
        instantiate=instantiate,
        args=args,
        kwargs=kwargs,
        strict=strict,
        enable=enable,
        disable=disable,
        on_error=on_error,
    )
