"""Lazy imports: modules whose body runs on first use.

A pending module is the module object itself, in ``sys.modules``, with its class switched to
``_LazyModule``. The first attribute access runs the body under a per-module lock, in the same
object, then switches the class back to ``ModuleType``: identity is kept, ``isinstance`` holds,
and a resolved module costs exactly what any module costs. Other threads wait on the lock and
never see the module half-initialised (the class only changes back once the body has finished),
which is the hole in ``importlib.util.LazyLoader`` (CPython gh-114763).

Import metadata (``__spec__``, ``__name__``, ``__loader__``, ``__package__``, ``__file__``,
``__cached__``, ``__path__``, ``__builtins__``) is read without loading, so ``import x`` and
``import x.sub`` statements, repr(), and tools that walk ``sys.modules`` do not force it. A pending
package has a decorating rule in the router: a submodule imported normally runs the package first
(as Python would), and if the package's body imported that submodule itself, that module is the
one the import returns (its body runs once).
"""

from __future__ import annotations

import sys

# importlib's own classes and functions, from the modules every interpreter has loaded at
# start-up (importing the importlib package would cost a millisecond: see `importcraft run`).
from _frozen_importlib import (  # type: ignore[attr-defined]
    BuiltinImporter,
    _gcd_import,
    _init_module_attrs,
    _load_unlocked,
)
from _frozen_importlib_external import ExtensionFileLoader
from _thread import _local, allocate_lock, get_ident
from types import ModuleType

from ..core import _state
from ..core._names import check_module_name
from ..core._router import DECORATE, ORDER_LAZY, ROUTER, Rule, add_rules, ask_finder
from ..core._wrapping import WrappingLoader, unwrap
from . import eager

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from importlib.machinery import ModuleSpec

__all__ = ["LazyImportError", "is_lazy", "lazy_import", "lazy_mode", "pending_lazy", "resolve_lazy"]

# What importlib (and repr, pickle, tools walking sys.modules) read on a module before or without
# using it: _find_and_load_unlocked reads a parent's __path__ and __spec__, _handle_fromlist and
# the C import code read __path__ and __spec__._initializing.
_METADATA = frozenset(
    {
        "__spec__",
        "__name__",
        "__loader__",
        "__package__",
        "__file__",
        "__cached__",
        "__class__",
        "__path__",
        "__builtins__",
    }
)
_module_getattribute = ModuleType.__getattribute__
_module_setattr = ModuleType.__setattr__


class LazyImportError(ImportError):
    """A lazily imported module failed when its body finally ran.

    Raised where the module was first used, chained to the original exception; the message
    names the module and the line that declared it lazy. The module stays pending, so the next
    access tries again.
    """


class _LazyModuleNotFoundError(LazyImportError, ModuleNotFoundError):
    """A lazily imported module (or a module its body imports) is not installed.

    A ``ModuleNotFoundError``, as the eager import would have raised, so ``except
    ModuleNotFoundError`` around the first use catches it; ``name`` is the missing module.
    """


# Returned by _resolve when waiting would deadlock: the caller sees the module as it is so far.
_PARTIAL = object()


class _Pending:
    """What a pending module needs to run: its spec (None until looked up), a lock, and why."""

    __slots__ = (
        "attempts",
        "declared_at",
        "error",
        "lock",
        "module",
        "name",
        "new_class",
        "owner",
        "rule",
        "spec",
    )

    def __init__(self, module: ModuleType, name: str, spec: ModuleSpec | None, where: str) -> None:
        self.module = module
        self.name = name
        self.spec = spec
        self.declared_at = where
        self.lock = allocate_lock()
        self.owner = 0  # the thread holding the lock (running the body), guarded by _GRAPH
        self.attempts = 0  # finished attempts
        self.error: LazyImportError | None = None  # how the last attempt failed
        self.new_class: type | None = None  # a __class__ the body set, applied when it ends
        self.rule: _ParentFirstRule | None = None


# id(module) -> its pending state; entries go when the body has run.
_pending: dict[int, _Pending] = {}

# Which thread waits for which pending module, to find deadlocks as importlib's module locks
# do (_blocking_on); both guarded by _GRAPH, which is never held while waiting or running.
_GRAPH = allocate_lock()
_waiting: dict[int, _Pending] = {}

# Per thread: the deferred bodies running, innermost last (lazy_mode leaves their imports eager).
_THREAD = _local()


def _make_pending(module: ModuleType, name: str, spec: ModuleSpec | None, where: str) -> _Pending:
    state = _pending[id(module)] = _Pending(module, name, spec, where)
    _module_setattr(module, "__class__", _LazyModule)
    if spec is not None and spec.submodule_search_locations is not None:
        _add_rule(state)
    return state


def _add_rule(state: _Pending) -> None:
    state.rule = _ParentFirstRule(state)
    ROUTER.add([state.rule], f"lazy module {state.name!r}: runs before its submodules")


def _forget(state: _Pending) -> None:
    """The module is no longer pending (run, or its declaration undone)."""
    if _pending.get(id(state.module)) is state:
        del _pending[id(state.module)]
    rule, state.rule = state.rule, None
    if rule is not None:
        ROUTER.remove([rule])


def is_placeholder(module: object) -> bool:
    """Whether ``module`` is one of this module's stand-ins rather than a module that has run.

    True for a pending lazy module (checked or not: one declared with ``check=False`` may name
    nothing at all) and for a placeholder forwarding to the real module; for optional() and
    other code that must not take a stand-in for an imported module. Never loads anything.
    """
    kind = type(module)
    return kind is _LazyModule or kind is _ForwardingModule


class _LazyModule(ModuleType):
    """The class of a module whose body has not run yet."""

    def __getattribute__(self, name: str) -> object:
        if name in _METADATA:
            if name == "__path__":
                _locate(self)  # a package declared with check=False: find its spec now
            return _module_getattribute(self, name)
        if _resolve(self) is _PARTIAL:
            return _partial_attribute(self, name)
        if type(self) is not _LazyModule:
            # The body set its own __class__ (properties, __getattr__) or the module now
            # forwards to another object: ask that class.
            return getattr(self, name)
        return _module_getattribute(self, name)

    def __setattr__(self, name: str, value: object) -> None:
        namespace = _module_getattribute(self, "__dict__")
        state = _pending.get(id(self))
        if state is not None:
            if name == "__class__" and state.owner == get_ident():
                state.new_class = value  # type: ignore[assignment]  # applied when the body ends
                return
            if name in _METADATA and _reloading(self, state):
                _forget(state)  # importlib.reload runs the body now, once
                _module_setattr(self, "__class__", ModuleType)
                _module_setattr(self, name, value)
                return
            if isinstance(value, ModuleType) and sys.modules.get(f"{state.name}.{name}") is value:
                namespace[name] = value  # importlib binding a submodule: no need to run
                return
        _resolve(self)
        if type(self) is not _LazyModule:
            setattr(self, name, value)
            return
        _module_setattr(self, name, value)

    def __delattr__(self, name: str) -> None:
        _resolve(self)
        if type(self) is not _LazyModule:
            delattr(self, name)
            return
        ModuleType.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        _resolve(self)
        if type(self) is not _LazyModule:
            return dir(self)
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


def _reloading(module: ModuleType, state: _Pending) -> bool:
    importlib = sys.modules.get("importlib")
    reloading = getattr(importlib, "_RELOADING", None)
    return isinstance(reloading, dict) and reloading.get(state.name) is module


def _partial_attribute(module: ModuleType, name: str) -> object:
    """An attribute of a module whose body another thread is running, without waiting for it."""
    try:
        return _module_getattribute(module, name)
    except AttributeError:
        waiting = getattr(_THREAD, "deadlock", "")
        raise LazyImportError(
            f"lazy modules {_module_getattribute(module, '__name__')!r} and {waiting!r} use each "
            "other from two threads, each running one's body: waiting would deadlock, so this "
            f"thread went on with the first as its body has left it so far, which has no "
            f"attribute {name!r} yet (as in a circular import). Import one of them eagerly, or "
            "first use it from one thread only.",
            name=_module_getattribute(module, "__name__"),
        ) from None


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
            except ImportError as exc:
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
    from ..core._frames import user_frame

    frame = user_frame()
    where = f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else "<unknown>"
    if check:
        return _import_deferred(name, where)
    created: list[str] = []
    with _state.LOCK:
        try:
            return _declare(name, where, created)
        except BaseException:
            for made in created:  # a failed declaration leaves nothing behind
                module = sys.modules.pop(made, None)
                state = _pending.get(id(module))
                if state is not None:
                    _forget(state)
            raise


def _import_deferred(name: str, where: str) -> ModuleType:
    """Import ``name`` with importlib's own machinery, its body (and its parents') deferred.

    The finders of ``sys.meta_path`` are asked in order as for any import, the router first
    (its policies refuse here, its sources serve, its transform and post-import rules wrap the
    loader, the decision trace shows it); importlib's ``_load_unlocked`` then makes the module
    from the spec, puts it in ``sys.modules`` and takes it out again if loading fails. The
    loader it runs is a :class:`_Deferring` around the real one, whose ``exec_module`` only
    makes the module pending. Declarations are made under importcraft's lock, as before: no
    body runs there (builtin and extension modules aside, imported as usual).
    """
    declaration = _Declaration(where)
    try:
        return _load_deferred(name, declaration)
    except BaseException as exc:
        for module in declaration.created:  # a failed declaration leaves nothing behind
            state = _pending.get(id(module))
            if state is not None:
                if sys.modules.get(state.name) is module:
                    del sys.modules[state.name]
                _forget(state)
        if isinstance(exc, ModuleNotFoundError) and getattr(exc, "declared", False):
            raise exc.with_traceback(None)  # noqa: B904 (the same error, its frames ours)
        raise


def _load_deferred(name: str, declaration: _Declaration) -> ModuleType:
    """What ``importlib._bootstrap._find_and_load`` does for ``name``, the body deferred."""
    parent_name, _, child = name.rpartition(".")
    parent = None
    if parent_name:
        parent = sys.modules.get(parent_name)
        if parent is None:
            parent = _load_deferred(parent_name, declaration)
    with _state.LOCK:
        module = sys.modules.get(name)
        if module is not None:  # another thread imported or declared it meanwhile
            return module
        spec = _find_spec(name, parent)
        if spec is None:
            error = ModuleNotFoundError(
                f"No module named {name!r} (lazy import at {declaration.where})", name=name
            )
            error.declared = True  # type: ignore[attr-defined]
            raise error
        if spec.loader is not None and _has_no_body(spec):
            return _gcd_import(name)  # type: ignore[no-any-return]  # builtin, extension: no body
        if spec.loader is not None:  # a namespace package has none: nothing to defer
            spec.loader = _Deferring(spec.loader, declaration)  # type: ignore[assignment]
        module = _load_unlocked(spec)
    if parent is not None:
        # Bind it on the parent as an import does, without loading a pending parent.
        _module_getattribute(parent, "__dict__")[child] = module
    trace = sys.modules.get("importcraft.core._trace")  # loaded only while tracing is on
    if trace is not None and trace.level and is_lazy(module):
        trace.lazy_declared(name, declaration.where)
    return module  # type: ignore[no-any-return]


class _Deferring:
    """The loader importlib runs for a module lazy_import() declares: it only defers the body.

    Seen by importlib alone, between making the module and running it: ``exec_module`` hands
    the real loader back to the module and its spec and makes the module pending.
    """

    __slots__ = ("declaration", "original")

    def __init__(self, original: object, declaration: _Declaration) -> None:
        self.original = original
        self.declaration = declaration

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        create = getattr(self.original, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module: ModuleType) -> None:
        spec = module.__spec__
        assert spec is not None
        spec.loader = module.__loader__ = self.original  # type: ignore[assignment]
        declaration = self.declaration
        declaration.created.append(module)
        _make_pending(module, spec.name, spec, declaration.where)


class _Declaration:
    """One call of lazy_import(): its line, and the modules it has made pending."""

    __slots__ = ("created", "where")

    def __init__(self, where: str) -> None:
        self.where = where
        self.created: list[ModuleType] = []


def _declare(name: str, where: str, created: list[str]) -> ModuleType:
    """Declare ``name`` lazy without looking it up (``check=False``), its parents too."""
    existing = sys.modules.get(name)
    if existing is not None:
        return existing
    parent_name, _, child = name.rpartition(".")
    parent = _declare(parent_name, where, created) if parent_name else None
    module: ModuleType = _LazyModule(name)  # no spec, so no rule: the cheapest declaration
    _pending[id(module)] = _Pending(module, name, None, where)
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
            _locate(parent)  # a package declared with check=False: its spec, not its body
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
            # lazy_mode and pending packages wrap loaders: this one must really run.
            spec.loader = unwrap(spec.loader, (LazyModeLoader, _ParentFirstLoader))  # type: ignore[assignment]
            return spec
    return None


def _has_no_body(spec: ModuleSpec) -> bool:
    """Builtin and extension modules are made by their loader's create_module, body and all."""
    loader = unwrap(spec.loader)
    return loader is BuiltinImporter or isinstance(loader, ExtensionFileLoader)


# -- resolving -----------------------------------------------------------------------------------


def _resolve(module: ModuleType) -> object:
    """Run a pending module's body, once per attempt, whichever thread gets here first.

    Returns ``_PARTIAL`` when waiting for the thread running the body would deadlock (that
    thread waits for a module whose body this one is running): the caller then uses the module
    as it is so far, as CPython does for module locks (``_DeadlockError``).
    """
    state = _pending.get(id(module))
    if state is None or state.module is not module:
        return None
    me = get_ident()
    if state.owner == me:
        return None  # the body itself (or code it calls) uses the module: as a circular import
    parent_name = state.name.rpartition(".")[0]
    if parent_name:
        parent = sys.modules.get(parent_name)
        if parent is not None and is_lazy(parent):
            _resolve(parent)  # Python runs a package before its submodules
    attempt = state.attempts
    if not _acquire(state, me):
        return _PARTIAL
    try:
        if _pending.get(id(module)) is not state:
            return None  # another thread finished it while this one waited
        error = state.error
        if state.attempts != attempt and error is not None:
            # This thread waited for an attempt that failed: it reports that failure rather
            # than run the body again (the next access will).
            raise type(error)(str(error), name=error.name) from error.__cause__
        try:
            _run(state)
        finally:
            state.attempts += 1  # counts finished attempts: see above
    finally:
        _release(state)
    return None


def _acquire(state: _Pending, me: int) -> bool:
    """Take ``state``'s lock, or return False if waiting for it would close a cycle.

    The cycle may run through importlib's module locks too (a thread importing ``pkg.sub``
    holds that module's lock while it waits for the pending ``pkg``), so the walk follows
    importlib's ``_blocking_on`` as well, and this thread's wait is entered there, so that
    importlib's own check (``_DeadlockError``) sees it.
    """
    with _GRAPH:
        if state.lock.acquire(False):
            state.owner = me
            return True
        if _reaches(state.owner, me):
            running = getattr(_THREAD, "running", None)
            _THREAD.deadlock = running[-1] if running else "?"
            return False
        _waiting[me] = state
    theirs = None
    acquired = False
    try:
        theirs = _enter_importlib_graph(me, state)
        # Interruptible (KeyboardInterrupt, a signal handler raising): then the lock is not
        # ours, and the owner must stay the thread running the body, or this thread would
        # take the module for its own circular import and the deadlock walk would go astray.
        acquired = state.lock.acquire()
    finally:
        _leave_importlib_graph(me, state, theirs)
        with _GRAPH:
            del _waiting[me]
            if acquired:
                state.owner = me
    return True


def _reaches(owner: int, me: int) -> bool:
    """Whether the thread ``owner`` waits, directly or through others, for thread ``me``."""
    bootstrap = sys.modules.get("_frozen_importlib")
    graph = getattr(bootstrap, "_blocking_on", None) or {}
    seen: set[int] = set()
    todo = [owner]
    while todo:
        tid = todo.pop()
        if tid == me:
            return True
        if not tid or tid in seen:
            continue
        seen.add(tid)
        ours = _waiting.get(tid)
        if ours is not None:
            todo.append(ours.owner)
        theirs = graph.get(tid)  # a _ModuleLock (3.11) or a list of them (3.12+)
        if theirs is not None:
            todo.extend(lock.owner for lock in (theirs if isinstance(theirs, list) else [theirs]))
    return False


def _enter_importlib_graph(me: int, state: _Pending) -> object:
    bootstrap = sys.modules.get("_frozen_importlib")
    graph = getattr(bootstrap, "_blocking_on", None)
    if graph is None:
        return None
    make_list = getattr(bootstrap, "_List", None)
    if make_list is None:  # 3.11: one lock per thread, and this thread waits for none
        if me not in graph:
            graph[me] = state
        return state
    entries = graph.setdefault(me, make_list())  # held here: the dict keeps it weakly
    entries.append(state)
    return entries


def _leave_importlib_graph(me: int, state: _Pending, entry: object) -> None:
    bootstrap = sys.modules.get("_frozen_importlib")
    graph = getattr(bootstrap, "_blocking_on", None)
    if graph is None or entry is None:
        return
    if isinstance(entry, list):
        entry.remove(state)
    elif graph.get(me) is state:
        del graph[me]


def _release(state: _Pending) -> None:
    with _GRAPH:
        state.owner = 0
        state.lock.release()


def _locate(module: ModuleType) -> None:
    """Give a pending module declared with ``check=False`` its spec, without running it."""
    state = _pending.get(id(module))
    if state is None or state.spec is not None or state.module is not module:
        return
    name = state.name
    spec = _find_spec(name, sys.modules.get(name.rpartition(".")[0]) if "." in name else None)
    if spec is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    if _has_no_body(spec):
        _forward_to_import(state)
        return
    # What importlib sets on a module it makes from a spec (a namespace package's loader too),
    # set by importlib itself on a stand-in (the placeholder would run its body if set
    # through setattr, and other threads may be using it), then copied over.
    scratch = ModuleType(name)
    _init_module_attrs(spec, scratch)
    namespace = _module_getattribute(module, "__dict__")
    for key, value in scratch.__dict__.items():
        if key in _METADATA:
            namespace[key] = value
    state.spec = spec
    if spec.submodule_search_locations is not None:
        _add_rule(state)


def findable(module: ModuleType) -> bool:
    """Whether a pending placeholder names a module some finder finds, running no module body.

    For a placeholder declared with ``check=False`` (and its pending packages), this looks the
    spec up as the first use will, and keeps it; a builtin or extension module found is
    imported (it has no body to defer). Always True for a placeholder whose spec is known.
    """
    try:
        _locate(module)
    except ModuleNotFoundError:
        return False
    return True


def _run(state: _Pending) -> None:
    module, name = state.module, state.name
    ROUTER.check(name)  # a policy added after the declaration still refuses the module
    current = sys.modules.get(name)
    if current is not None and current is not module:
        # Something else took the name since the declaration: follow it, as an import would.
        _forget(state)
        _forward(module, current)
        return
    trace = sys.modules.get("importcraft.core._trace")  # loaded only while tracing is on
    if trace is not None and trace.level:
        trace.lazy_body(name, state.declared_at)
    namespace = _module_getattribute(module, "__dict__")
    before = dict(namespace)
    state.new_class = None
    running = _THREAD.__dict__.setdefault("running", [])
    running.append(name)
    try:
        if state.spec is None:
            _locate(module)
            if type(module) is not _LazyModule:
                return  # an extension or builtin module, imported and forwarded to
        spec = state.spec
        assert spec is not None
        if current is None:
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
            sys.modules[name] = module  # a failed body's replacement is not kept, as in Python
        if isinstance(exc, Exception):
            missing = isinstance(exc, ModuleNotFoundError)
            error = (_LazyModuleNotFoundError if missing else LazyImportError)(
                f"lazy import of {name!r} (declared at {state.declared_at}) failed: "
                f"{type(exc).__name__}: {exc}",
                name=exc.name if isinstance(exc, ModuleNotFoundError) else name,
            )
            state.error = error
            raise error from exc
        raise
    finally:
        running.pop()
    _forget(state)
    replacement = sys.modules.get(name)
    if replacement is not None and replacement is not module:
        _forward(module, replacement)  # the body put another object in its place: keep it
        return
    _module_setattr(module, "__class__", state.new_class or ModuleType)
    # Post-import callbacks exist only once their module is loaded: looked up, not imported.
    post_import = sys.modules.get("importcraft.rules._post_import")
    if post_import is not None:
        wrapper = sys.modules.get("importcraft.rules._post_import_loader")
        if wrapper is None or not isinstance(loader, wrapper.PostImportLoader):
            post_import.notify(name, module)  # a wrapped loader has already called the hooks


def _forward_to_import(state: _Pending) -> None:
    import importlib

    module, name = state.module, state.name
    del sys.modules[name]
    try:
        real = importlib.import_module(name)
    except BaseException:
        sys.modules.setdefault(name, module)
        raise
    _forget(state)
    _forward(module, real)


def _forward(placeholder: ModuleType, real: object) -> None:
    namespace = _module_getattribute(placeholder, "__dict__")
    namespace["__importcraft_target__"] = real
    _module_setattr(placeholder, "__class__", _ForwardingModule)


class _ParentFirstRule(Rule):
    """While a package is pending, its submodules imported the usual way run it first."""

    __slots__ = ("state",)

    def __init__(self, state: _Pending) -> None:
        super().__init__(DECORATE, state.name, order=ORDER_LAZY + 1)  # outermost
        self.state = state

    def decorate(self, spec: ModuleSpec) -> ModuleSpec:
        state = self.state
        if (
            spec.loader is not None
            and spec.name.rpartition(".")[0] == state.name
            and _pending.get(id(state.module)) is state
        ):
            spec.loader = _ParentFirstLoader(spec.loader, state)  # type: ignore[assignment]
        return spec


class _ParentFirstLoader(WrappingLoader):
    """Runs the pending package, then the submodule unless the package's body imported it.

    importlib has already looked the submodule up (through the package's ``__path__``, served
    without running it) and put the new module in ``sys.modules``. Taking it out while the
    package runs lets the package's own ``from . import sub`` import it normally; that module
    is then left in ``sys.modules``, which is what importlib returns, and this one is dropped
    unrun: the body runs once and classes keep one identity.
    """

    def __init__(self, original: object, state: _Pending) -> None:
        super().__init__(original)
        self.state = state

    def exec_module(self, module: ModuleType) -> None:
        original, state = self.original, self.state
        spec = module.__spec__
        assert spec is not None
        spec.loader = original  # type: ignore[assignment]
        module.__loader__ = original  # type: ignore[assignment]
        if (
            isinstance(original, LazyModeLoader)  # deferred too: it runs the package when used
            or _pending.get(id(state.module)) is not state
            or state.owner == get_ident()
        ):
            original.exec_module(module)  # type: ignore[attr-defined]
            return
        name = spec.name
        if sys.modules.get(name) is module:
            del sys.modules[name]
        _resolve(state.module)
        if name in sys.modules:
            return  # the package imported it
        sys.modules[name] = module
        original.exec_module(module)  # type: ignore[attr-defined]


def _snapshot() -> Callable[[], None]:
    saved = dict(_pending)

    def restore() -> None:
        _pending.clear()
        stale = []
        for key, state in saved.items():
            if type(state.module) is _LazyModule:
                _pending[key] = state
            elif state.rule is not None:
                # The router's own snapshot, restored just before, brought this rule back.
                stale.append(state.rule)
                state.rule = None
        if stale:
            ROUTER.remove(stale)

    return restore


_state.add_snapshotter(_snapshot)


# -- program-wide --------------------------------------------------------------------------------


class LazyModeLoader(WrappingLoader):
    """Wraps the loader of a module imported under lazy_mode: ``exec_module`` only defers.

    Unlike other wrappers it hands the original loader back before the module runs (it does
    not run it), so it overrides ``exec_module`` rather than ``run``.
    """

    def __init__(self, original: object) -> None:
        super().__init__(original)
        self._created: ModuleType | None = None

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        module = super().create_module(spec)
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
        from ..core._frames import user_frame

        frame = user_frame()
        where = f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame else "<unknown>"
        _make_pending(module, spec.name, spec, where)  # the router takes its lock if it must


def _imported_by_user(name: str) -> bool:
    """Whether this import of ``name`` is made outside deferred bodies and outside its package.

    A package's own imports, and every import made while a deferred module's body runs, stay
    eager: packages rely on the order their modules run in (pandas registers submodules,
    ``typing`` must be whole before ``collections.abc`` is subclassed).
    """
    if getattr(_THREAD, "running", None):
        return False
    from ..core._frames import user_frame

    frame = user_frame()
    importer = frame.f_globals.get("__name__") if frame is not None else None
    if not isinstance(importer, str):
        return True
    return importer.partition(".")[0] != name.partition(".")[0]


class LazyModeRule(Rule):
    __slots__ = ("excluded", "nested")

    def __init__(self, key: str | None, excluded: tuple[str, ...], nested: bool) -> None:
        super().__init__(DECORATE, key, order=ORDER_LAZY)
        self.excluded = excluded
        self.nested = nested

    def decorate(self, spec: ModuleSpec) -> ModuleSpec:
        name = spec.name
        if (
            spec.loader is None
            or name.partition(".")[0] == "importcraft"
            or any(name == e or name.startswith(e + ".") for e in self.excluded)
            or not (self.nested or _imported_by_user(name))
        ):
            return spec
        spec.loader = LazyModeLoader(spec.loader)  # type: ignore[assignment]
        return spec


def lazy_mode(
    include: Iterable[str] = (), exclude: Iterable[str] = (), *, nested: bool = False
) -> _state.Hook:
    """While active, ``import x`` of a matching module gives a lazy module.

    A module matches when it is one of ``include`` or under one of them (every module when
    ``include`` is empty), and not one of ``exclude`` or under one of them: exclude modules that
    must run for their side effects (registering plugins, patching). Only the program's own
    imports are deferred: an import made by a module of the same top-level package, or made
    while a deferred module's body runs, stays eager, since packages rely on the order their
    modules run in; ``nested=True`` defers those too. ``from x import y`` uses the module at
    once, so it loads it; builtin and extension modules load at once. It works through the
    router's delegation, with whatever finder would have loaded the module. With
    ``IMPORTCRAFT_EAGER=1`` it does nothing. Example::

        with importcraft.lazy_mode(include=["pandas", "scipy"], exclude=["scipy.special"]):
            import myapp.cli        # its imports of pandas and scipy wait for first use
    """
    included = tuple(include)
    excluded = tuple(exclude)
    for name in (*included, *excluded):
        check_module_name(name)
    shown = ", ".join(repr(n) for n in included)
    description = f"lazy_mode(include=[{shown}], exclude=[{', '.join(map(repr, excluded))}]"
    description += ", nested=True)" if nested else ")"
    if eager():
        return _state.register(description + " [eager: IMPORTCRAFT_EAGER is set]", lambda: None)
    keys: Iterable[str | None] = included or [None]
    rules = [LazyModeRule(key, excluded, nested) for key in keys]
    return add_rules(description, rules)
