"""when_imported(): callbacks that run after a module's body, every time it is loaded."""

from __future__ import annotations

import sys

from ..core import _state
from ..core._errors import ImportcraftWarning
from ..core._loaders import WrappingLoader, wrap_loader
from ..core._names import check_module_name
from ..core._router import DECORATE, ORDER_POST_IMPORT, ROUTER, Rule

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable
    from importlib.machinery import ModuleSpec
    from types import ModuleType
    from typing import overload

    Callback = Callable[[ModuleType], object]
else:

    def overload(function):  # typing.overload without importing typing
        return function


class _Entry:
    __slots__ = ("callback", "strict")

    def __init__(self, callback: Callback, strict: bool) -> None:
        self.callback = callback
        self.strict = strict


class PostImportRule(Rule):
    """Wraps the loader of one module so that its callbacks run after its body.

    One rule per module holds that module's callbacks in registration order. It is never
    changed: registering or removing a callback swaps in a new rule, so the router's own
    snapshot (``isolated()``) is the whole state.
    """

    __slots__ = ("entries",)

    def __init__(self, name: str, entries: tuple[_Entry, ...]) -> None:
        super().__init__(DECORATE, name, exact=True, order=ORDER_POST_IMPORT)
        self.entries = entries

    def decorate(self, spec: ModuleSpec) -> ModuleSpec:
        return wrap_loader(spec, PostImportLoader)


def _rule_for(name: str) -> PostImportRule | None:
    for rule in ROUTER.exact_rules(name):
        if isinstance(rule, PostImportRule):
            return rule
    return None


class PostImportLoader(WrappingLoader):
    """Runs the module, hands its loader back, then calls the callbacks for it.

    Before the callbacks run, the module is marked as initialised, which is what importlib
    checks before waiting on a module's import lock: from then on other threads importing it
    take it at once, as after any import, instead of waiting for the callbacks. So a callback
    may import anything, in any thread, including modules that import this one and modules
    with callbacks of their own, without waiting on this import. No lock of importcraft's is
    held either.
    """

    def after(self, module: ModuleType) -> None:
        spec = module.__spec__
        if spec is not None:
            # importlib's own flag (set back to False by importlib once exec_module returns).
            setattr(spec, "_initializing", False)  # noqa: B010 - a private attribute
        name = spec.name if spec is not None else module.__name__
        # A module may have put another object in its place in sys.modules: that is what the
        # import statement binds, so that is what the callbacks get.
        notify(name, sys.modules.get(name, module))


def notify(name: str, module: ModuleType) -> None:
    """Call the callbacks registered for ``name``, in registration order."""
    rule = _rule_for(name)
    for entry in rule.entries if rule is not None else ():
        _call(entry, name, module)


def _call(entry: _Entry, name: str, module: ModuleType) -> None:
    try:
        entry.callback(module)
    except Exception as exc:
        if entry.strict:
            exc.add_note(
                f"importcraft: raised by post-import hook {_callable_name(entry.callback)} "
                f"for {name!r} (strict=True), after the module's body ran"
            )
            raise
        import traceback

        from ..core._frames import warn_at_user

        details = "".join(traceback.format_exception(exc)).rstrip()
        warn_at_user(
            f"post-import hook {_callable_name(entry.callback)} for {name!r} raised "
            f"{type(exc).__name__}: {exc}; the import itself went on. "
            f"Pass strict=True to raise instead.\n{details}",
            ImportcraftWarning,
        )


def _callable_name(callback: object) -> str:
    module = getattr(callback, "__module__", None)
    qualname = getattr(callback, "__qualname__", None) or repr(callback)
    return f"{module}.{qualname}" if module else qualname


@overload
def when_imported(
    name: str, callback: None = None, *, strict: bool = False
) -> Callable[[Callback], Callback]: ...


@overload
def when_imported(name: str, callback: Callback, *, strict: bool = False) -> _state.Hook: ...  # noqa: F811 - overload (typing's, without importing typing)


def when_imported(  # noqa: F811 - the implementation of the overloads
    name: str, callback: Callback | None = None, *, strict: bool = False
) -> _state.Hook | Callable[[Callback], Callback]:
    """Call ``callback(module)`` each time module ``name`` is loaded, after its body has run.

    If the module is already imported the callback runs at once; it runs again after
    ``importlib.reload``. Callbacks for one module run in registration order. A callback that
    raises does not break the import: it becomes an :class:`~importcraft.ImportcraftWarning`
    naming the callback, with its traceback, unless ``strict=True``, which raises it. After the
    import, ``module.__loader__`` and ``module.__spec__.loader`` are the original loader.
    Without ``callback`` it is a decorator, which returns the function unchanged::

        @importcraft.when_imported("json")
        def speed_up(json):
            json.dumps = fast_dumps

        hook = importcraft.when_imported("decimal", lambda m: print("decimal loaded"))
        hook.remove()
    """
    check_module_name(name)
    if callback is None:

        def decorator(function: Callback) -> Callback:
            _register(name, function, strict)
            return function

        return decorator
    return _register(name, callback, strict)


def _register(name: str, callback: Callback, strict: bool) -> _state.Hook:
    with _state.LOCK:
        undo = add_callback(name, callback, strict)
        hook = _state.register(f"when_imported({name!r}, {_callable_name(callback)})", undo)
    module = sys.modules.get(name)
    lazy = sys.modules.get("importcraft.lazy._modules")
    if module is not None and not (lazy is not None and lazy.is_lazy(module)):
        # Outside the lock: the callback may install hooks itself. (A lazy module whose body
        # has not run yet is not imported yet: its callbacks run when it is.)
        try:
            _call(_Entry(callback, strict), name, module)
        except BaseException:
            hook.remove()  # strict and failed: registering changes nothing
            raise
    return hook


def add_callback(name: str, callback: Callback, strict: bool) -> Callable[[], None]:
    """Register ``callback`` for the next loads of ``name``; return the function undoing it."""
    if not callable(callback):
        raise TypeError(f"when_imported({name!r}, ...) needs a callable, not {callback!r}")
    entry = _Entry(callback, strict)

    def swap(change: Callable[[tuple[_Entry, ...]], tuple[_Entry, ...]]) -> None:
        with _state.LOCK:
            old = _rule_for(name)
            entries = change(old.entries if old is not None else ())
            new = [PostImportRule(name, entries)] if entries else []
            described = ", ".join(
                f"when_imported({name!r}, {_callable_name(e.callback)})" for e in entries
            )
            ROUTER.replace([old] if old else [], new, described)

    swap(lambda entries: (*entries, entry))
    return lambda: swap(lambda entries: tuple(e for e in entries if e is not entry))
