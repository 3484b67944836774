"""Lazy imports: modules whose body runs on first use.

A pending module is the module object itself, in ``sys.modules``, with its class switched to
``_LazyModule``. The first attribute access runs the body under a per-module lock, in the same
object, then switches the class back to ``ModuleType``: identity is kept, ``isinstance`` holds,
and a resolved module costs exactly what any module costs. Other threads wait on the lock and
never see the module half-initialised (the class only changes back once the body has finished),
which is the hole in ``importlib.util.LazyLoader`` (CPython gh-114763).

Import metadata (``__spec__``, ``__name__``, ``__loader__``, ``__package__``, ``__file__``,
``__cached__``) is read without loading, so ``import x`` statements on a pending module, repr(),
and tools that walk ``sys.modules`` do not force it.
"""

from __future__ import annotations

import os
import sys
from _thread import RLock, get_ident
from importlib.machinery import BuiltinImporter, ExtensionFileLoader
from types import ModuleType

from . import _state
from ._names import check_module_name
from ._router import DECORATE, ORDER_LAZY, ROUTER, Rule, ask_finder

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Iterable
    from importlib.machinery import ModuleSpec

__all__ = ["LazyImportError", "is_lazy", "lazy_import", "lazy_mode", "pending_lazy", "resolve_lazy"]

_METADATA = frozenset(
    {"__spec__", "__name__", "__loader__", "__package__", "__file__", "__cached__", "__class__"}
)
_module_getattribute = ModuleType.__getattribute__
_module_setattr = ModuleType.__setattr__


class LazyImportError(ImportError):
    """A lazily imported module failed when its body finally ran.

    Raised where the module was first used, chained to the original exception; the message
    names the module and the line that declared it lazy. The module stays pending, so the next
    access tries again.
    """


_EAGER_VARIABLES = ("IMPORTCRAFT_EAGER", "EAGER_IMPORT")


def eager() -> bool:
    """Whether ``IMPORTCRAFT_EAGER`` or ``EAGER_IMPORT`` asks for every lazy import to be eager.

    Read at each call (a test or a program may set it at run time): any value but "" and "0".
    """
    environ = os.environ
    return any(environ.get(var, "0") not in ("", "0") for var in _EAGER_VARIABLES)


class _Pending:
    """What a pending module needs to run: its spec (None until looked up), a lock, and why."""

    __slots__ = ("declared_at", "lock", "module", "name", "running", "spec")

    def __init__(self, module: ModuleType, name: str, spec: ModuleSpec | None, where: str) -> None:
        self.module = module
        self.name = name
        self.spec = spec
        self.declared_at = where
        self.lock = RLock()
        self.running = 0  # the thread running the body, while it does


# id(module) -> its pending state; entries go when the body has run.
_pending: dict[int, _Pending] = {}


class _LazyModule(ModuleType):
    """The class of a module whose body has not run yet."""

    def __getattribute__(self, name: str) -> object:
        if name not in _METADATA:
            _resolve(self)
        return _module_getattribute(self, name)

    def __setattr__(self, name: str, value: object) -> None:
        _resolve(self)
        _module_setattr(self, name, value)

    def __delattr__(self, name: str) -> None:
        _resolve(self)
        ModuleType.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        _resolve(self)
        return list(ModuleType.__dir__(self))

    def __repr__(self) -> str:
        name = _module_getattribute(self, "__name__")
        return f"<module {name!r} (lazy, not loaded yet)>"


class _ForwardingModule(ModuleType):
    """A placeholder whose real module is another object (an extension module, say).

    Only for lazy imports declared with ``check=False``, whose kind was unknown until use.
    """

    def __getattribute__(self, name: str) -> object:
        return getattr(_module_getattribute(self, "__dict__")["__importcraft_target__"], name)

    def __setattr__(self, name: str, value: object) -> None:
        setattr(_module_getattribute(self, "__dict__")["__importcraft_target__"], name, value)


def is_lazy(module: object) -> bool:
    """Whether ``module`` is a lazy module whose body has not run yet (this does not load it)."""
    return type(module) is _LazyModule


def pending_lazy() -> list[ModuleType]:
    """The lazy modules in ``sys.modules`` still waiting for their first use."""
    return [module for module in list(sys.modules.values()) if type(module) is _LazyModule]


def resolve_lazy() -> list[str]:
    """Load every pending lazy module and every pending ``lazy_attach`` name.

    For packaging checks (does everything import?) and for long-running programs once they
    have started: a package's ``__getattr__`` goes when all its names are loaded, and CPython
    reads the attributes of a module without one faster. Returns the names loaded (``pkg.name``
    for attached names). Failures are collected and raised together as an ``ExceptionGroup``
    once everything has been tried.
    """
    loaded: list[str] = []
    errors: list[Exception] = []
    tried: set[object] = set()
    while True:
        batch = [m for m in pending_lazy() if id(m) not in tried]
        attached = [
            (m, n)
            for m in list(sys.modules.values())
            if type(m) is ModuleType
            for n in sorted(getattr(m.__dict__.get("__getattr__"), "importcraft_unresolved", ()))
            if (id(m), n) not in tried
        ]
        if not batch and not attached:
            break
        for module in batch:
            tried.add(id(module))
            try:
                _resolve(module)
            except LazyImportError as exc:
                errors.append(exc)
            else:
                loaded.append(_module_getattribute(module, "__name__"))
        for package, name in attached:
            tried.add((id(package), name))
            try:
                getattr(package, name)
            except Exception as exc:
                errors.append(exc)
            else:
                loaded.append(f"{package.__name__}.{name}")
    if errors:
        raise ExceptionGroup(f"{len(errors)} lazy import(s) failed", errors)
    return loaded


# -- declaring -----------------------------------------------------------------------------------


def lazy_import(name: str, *, check: bool = True) -> ModuleType:
    """Return module ``name``, registered in ``sys.modules``, whose body runs on first use.

    The object returned becomes the real module on first attribute access (identity kept).
    With ``check=True`` the module is looked up now: a missing one raises
    ``ModuleNotFoundError`` at once, without running anything, and for ``a.b`` nothing of ``a``
    runs either (``a`` is made lazy too, and is loaded before ``a.b`` when ``a.b`` is used).
    Builtin and extension modules have no Python body to defer and are imported at once.
    An error in the deferred body is raised where the module is first used, as a
    :class:`LazyImportError` naming this call's line; the next use tries again. With
    ``IMPORTCRAFT_EAGER=1`` (or ``EAGER_IMPORT=1``) it is a plain import. Example::

        np = importcraft.lazy_import("numpy")

        def mean(values):
            return np.mean(values)      # numpy is imported here, the first time
    """
    check_module_name(name)
    existing = sys.modules.get(name)
    if existing is not None:
        return existing
    if eager():
        import importlib

        return importlib.import_module(name)
    from ._frames import user_frame

    frame = user_frame()
    where = f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else "<unknown>"
    created: list[str] = []
    with _state.LOCK:
        try:
            return _declare(name, check, where, created)
        except BaseException:
            for made in created:  # a failed declaration leaves nothing behind
                module = sys.modules.pop(made, None)
                _pending.pop(id(module), None)
            raise


def _declare(name: str, check: bool, where: str, created: list[str]) -> ModuleType:
    existing = sys.modules.get(name)
    if existing is not None:
        return existing
    parent_name, _, child = name.rpartition(".")
    parent = _declare(parent_name, check, where, created) if parent_name else None
    if not check:
        module: ModuleType = _LazyModule(name)
        _pending[id(module)] = _Pending(module, name, None, where)
    else:
        spec = _find_spec(name, parent)
        if spec is None:
            raise ModuleNotFoundError(
                f"No module named {name!r} (lazy import at {where})", name=name
            )
        if _has_no_body(spec):
            import importlib

            return importlib.import_module(name)  # builtin or extension: nothing to defer
        module = _module_from_spec(spec)
        _pending[id(module)] = _Pending(module, name, spec, where)
        _module_setattr(module, "__class__", _LazyModule)
    sys.modules[name] = module
    created.append(name)
    if parent is not None:
        # Bind it on the parent as an import would, without loading a pending parent.
        _module_getattribute(parent, "__dict__")[child] = module
    return module


def _find_spec(name: str, parent: ModuleType | None) -> ModuleSpec | None:
    """Ask the meta-path finders for ``name`` without importing (or running) its parent."""
    path = None
    if parent is not None:
        if is_lazy(parent):
            parent_spec = _module_getattribute(parent, "__spec__")
            path = parent_spec.submodule_search_locations if parent_spec is not None else None
        else:
            path = getattr(parent, "__path__", None)
        if path is None:
            parent_name = _module_getattribute(parent, "__name__")
            raise ModuleNotFoundError(
                f"No module named {name!r}; {parent_name!r} is not a package", name=name
            )
    for finder in list(sys.meta_path):
        spec = ask_finder(finder, name, path, None)
        if spec is not None:
            # A program-wide lazy_mode wraps loaders so they defer: this one must really run.
            loader: object = spec.loader
            while isinstance(loader, LazyModeLoader):
                loader = loader.original
            spec.loader = loader  # type: ignore[assignment]
            return spec
    return None


def _innermost(loader: object) -> object:
    while hasattr(type(loader), "run") and hasattr(loader, "original"):
        loader = loader.original  # a WrappingLoader
    return loader


def _has_no_body(spec: ModuleSpec) -> bool:
    """Builtin and extension modules are made by their loader's create_module, body and all."""
    loader = _innermost(spec.loader)
    return loader is BuiltinImporter or isinstance(loader, ExtensionFileLoader)


def _module_from_spec(spec: ModuleSpec) -> ModuleType:
    import importlib.util

    return importlib.util.module_from_spec(spec)


# -- resolving -----------------------------------------------------------------------------------


def _resolve(module: ModuleType) -> None:
    """Run a pending module's body, once, whichever thread gets here first."""
    state = _pending.get(id(module))
    if state is None or state.module is not module:
        return
    if state.running == get_ident():
        return  # the body itself (or code it calls) uses the module: as a circular import
    parent_name = state.name.rpartition(".")[0]
    if parent_name:
        parent = sys.modules.get(parent_name)
        if parent is not None and is_lazy(parent):
            _resolve(parent)  # Python runs a package before its submodules
    with state.lock:
        if _pending.get(id(module)) is not state:
            return  # another thread finished it while this one waited
        state.running = get_ident()
        try:
            _run(state)
        finally:
            state.running = 0


def _run(state: _Pending) -> None:
    module, name = state.module, state.name
    namespace = _module_getattribute(module, "__dict__")
    before = dict(namespace)
    spec = state.spec
    try:
        if spec is None:
            spec = _find_spec(
                name, sys.modules.get(name.rpartition(".")[0]) if "." in name else None
            )
            if spec is None:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            if _has_no_body(spec):
                _forward_to_import(state)
                return
            _init_attrs(module, spec)
        if sys.modules.get(name) is not module:
            sys.modules[name] = module
        loader = spec.loader
        if loader is None:
            raise ImportError(f"{name!r} has no loader (a namespace package)", name=name)
        spec._initializing = True  # type: ignore[attr-defined]
        try:
            loader.exec_module(module)
        finally:
            spec._initializing = False  # type: ignore[attr-defined]
    except BaseException as exc:
        namespace.clear()
        namespace.update(before)
        if sys.modules.get(name) is not module:
            sys.modules[name] = module
        if isinstance(exc, Exception):
            raise LazyImportError(
                f"lazy import of {name!r} (declared at {state.declared_at}) failed: "
                f"{type(exc).__name__}: {exc}",
                name=name,
            ) from exc
        raise
    del _pending[id(module)]
    replacement = sys.modules.get(name)
    if replacement is not None and replacement is not module:
        _forward(module, replacement)  # the body put another object in its place
        return
    _module_setattr(module, "__class__", ModuleType)
    from ._post_import import PostImportLoader, notify

    if not isinstance(loader, PostImportLoader):
        notify(name, module)  # a wrapped loader has already called the hooks


def _forward_to_import(state: _Pending) -> None:
    import importlib

    module, name = state.module, state.name
    del sys.modules[name]
    try:
        real = importlib.import_module(name)
    except BaseException:
        sys.modules.setdefault(name, module)
        raise
    del _pending[id(module)]
    _forward(module, real)


def _forward(placeholder: ModuleType, real: object) -> None:
    namespace = _module_getattribute(placeholder, "__dict__")
    namespace["__importcraft_target__"] = real
    _module_setattr(placeholder, "__class__", _ForwardingModule)


def _init_attrs(module: ModuleType, spec: ModuleSpec) -> None:
    """What importlib sets on a new module, set on a placeholder made before the spec was known."""
    namespace = _module_getattribute(module, "__dict__")
    namespace["__spec__"] = spec
    namespace["__loader__"] = spec.loader
    namespace["__package__"] = spec.parent
    if spec.submodule_search_locations is not None:
        namespace["__path__"] = spec.submodule_search_locations
    if spec.has_location and spec.origin is not None:
        namespace["__file__"] = spec.origin
        namespace["__cached__"] = spec.cached


# -- program-wide --------------------------------------------------------------------------------


class LazyModeLoader:
    """Wraps the loader of a module imported under lazy_mode: ``exec_module`` only defers."""

    def __init__(self, original: object) -> None:
        self.original = original
        self._created: ModuleType | None = None

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        create = getattr(self.original, "create_module", None)
        module = create(spec) if create is not None else None
        self._created = module
        return module

    def exec_module(self, module: ModuleType) -> None:
        spec = module.__spec__
        assert spec is not None
        spec.loader = self.original  # type: ignore[assignment]
        module.__loader__ = self.original  # type: ignore[assignment]
        if self._created is not None and _has_no_body(spec):
            self.original.exec_module(module)  # type: ignore[attr-defined]
            return
        from ._frames import user_frame

        frame = user_frame()
        where = f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame else "<unknown>"
        _pending[id(module)] = _Pending(module, spec.name, spec, where)
        _module_setattr(module, "__class__", _LazyModule)

    def __getattr__(self, name: str) -> object:
        if name in ("original", "_created"):
            raise AttributeError(name)
        return getattr(self.original, name)


class LazyModeRule(Rule):
    __slots__ = ("excluded",)

    def __init__(self, key: str | None, excluded: tuple[str, ...]) -> None:
        super().__init__(DECORATE, key, order=ORDER_LAZY)
        self.excluded = excluded

    def decorate(self, spec: ModuleSpec) -> ModuleSpec:
        name = spec.name
        if (
            spec.loader is None
            or name.partition(".")[0] == "importcraft"
            or any(name == e or name.startswith(e + ".") for e in self.excluded)
        ):
            return spec
        spec.loader = LazyModeLoader(spec.loader)  # type: ignore[assignment]
        return spec


def lazy_mode(include: Iterable[str] = (), exclude: Iterable[str] = ()) -> _state.Hook:
    """While active, ``import x`` of a matching module gives a lazy module.

    A module matches when it is one of ``include`` or under one of them (every module when
    ``include`` is empty), and not one of ``exclude`` or under one of them: exclude modules that
    must run for their side effects (registering plugins, patching). It works through the
    router's delegation, with whatever finder would have loaded the module. ``from x import y``
    uses the module at once, so it loads it; builtin and extension modules load at once. With
    ``IMPORTCRAFT_EAGER=1`` it does nothing. Example::

        with importcraft.lazy_mode(include=["pandas", "scipy"], exclude=["scipy.special"]):
            import myapp.cli        # its imports of pandas and scipy wait for first use
    """
    included = tuple(include)
    excluded = tuple(exclude)
    for name in (*included, *excluded):
        check_module_name(name)
    shown = ", ".join(repr(n) for n in included)
    description = f"lazy_mode(include=[{shown}], exclude=[{', '.join(map(repr, excluded))}])"
    if eager():
        return _state.register(description + " [eager: IMPORTCRAFT_EAGER is set]", lambda: None)
    keys: Iterable[str | None] = included or [None]
    rules = [LazyModeRule(key, excluded) for key in keys]
    with _state.LOCK:
        ROUTER.add(rules)
        return _state.register(description, lambda: ROUTER.remove(rules))
