"""when_imported(): callbacks that run after a module's body, every time it is loaded."""

from __future__ import annotations

import sys

from ..core import _state
from ..core._names import check_module_name
from ..core._router import DECORATE, ORDER_POST_IMPORT, ROUTER, Rule

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable
    from importlib.machinery import ModuleSpec
    from types import ModuleType
    from typing import overload

    Callback = Callable[[ModuleType], object]
    # A callback and whether it is strict: a tuple, the cheapest object to make.
    Entry = tuple[Callback, bool]
else:

    def overload(function):  # typing.overload without importing typing
        return function


class PostImportRule(Rule):
    """Wraps the loader of one module so that its callbacks run after its body.

    One rule per module holds that module's callbacks in registration order. It is never
    changed: registering or removing a callback swaps in a new rule, so the router's own
    snapshot (``isolated()``) is the whole state. The loader it wraps with
    (``_post_import_loader``) is imported when a module with callbacks is first found, so
    registering imports nothing.
    """

    __slots__ = ("entries",)

    def __init__(self, name: str, entries: tuple[Entry, ...]) -> None:
        # Rule.__init__'s work, without the call: registering a callback is meant to be cheap.
        self.stage = DECORATE
        self.key = name
        self.exact = True
        self.order = ORDER_POST_IMPORT
        self.description = None  # the trace uses __repr__, made only when it prints
        self.entries = entries

    def __repr__(self) -> str:
        return ", ".join(
            f"when_imported({self.key!r}, {_callable_name(callback)})"
            for callback, _ in self.entries
        )

    def decorate(self, spec: ModuleSpec) -> ModuleSpec:
        from ._post_import_loader import PostImportLoader

        if spec.loader is not None:  # a namespace package has none (see wrap_loader)
            spec.loader = PostImportLoader(spec.loader, notify)  # type: ignore[assignment]
        return spec


def notify(name: str, module: ModuleType) -> None:
    """Call the callbacks registered for ``name``, in registration order."""
    for rule in ROUTER.exact_rules(name):
        if type(rule) is PostImportRule:
            for callback, strict in rule.entries:
                try:
                    callback(module)
                except Exception as exc:
                    if _failed(callback, strict, name, exc):
                        raise
            return


def _failed(callback: Callback, strict: bool, name: str, exc: Exception) -> bool:
    """A callback raised ``exc``: whether to raise it (strict), else it has become a warning."""
    if strict:
        exc.add_note(
            f"importcraft: raised by post-import hook {_callable_name(callback)} "
            f"for {name!r} (strict=True), after the module's body ran"
        )
        return True
    import traceback

    from ..core._errors import ImportcraftWarning
    from ..core._frames import warn_at_user

    details = "".join(traceback.format_exception(exc)).rstrip()
    warn_at_user(
        f"post-import hook {_callable_name(callback)} for {name!r} raised "
        f"{type(exc).__name__}: {exc}; the import itself went on. "
        f"Pass strict=True to raise instead.\n{details}",
        ImportcraftWarning,
    )
    return False


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
            when_imported(name, function, strict=strict)
            return function

        return decorator
    if not callable(callback):
        raise TypeError(f"when_imported({name!r}, ...) needs a callable, not {callback!r}")
    # Kept short, one lock and a few calls: see benchmarks/peers.py (d) for what it costs.
    entry = (callback, strict)
    with _state.LOCK:
        if ROUTER.exact_rules(name):
            _swap(name, entry, None)
        else:  # the usual case, the module's first callback
            ROUTER.replace((), (PostImportRule(name, (entry,)),))
        hook = _state.register(
            lambda: f"when_imported({name!r}, {_callable_name(callback)})",
            lambda: _swap(name, None, entry),
        )
    module = sys.modules.get(name)
    if module is not None:
        lazy = sys.modules.get("importcraft.lazy._modules")
        if lazy is not None and lazy.is_lazy(module):
            # A lazy module whose body has not run yet is not imported yet: its callbacks
            # run when it is.
            return hook
        # Outside the lock: the callback may install hooks itself.
        try:
            try:
                callback(module)
            except Exception as exc:
                if _failed(callback, strict, name, exc):
                    raise
        except BaseException:
            hook.remove()  # failed (strict, or a warning made an error): nothing changes
            raise
    return hook


def add_callback(name: str, callback: Callback, strict: bool) -> Callable[[], None]:
    """Register ``callback`` for the next loads of ``name``; return the function undoing it."""
    if not callable(callback):
        raise TypeError(f"when_imported({name!r}, ...) needs a callable, not {callback!r}")
    entry = (callback, strict)
    _swap(name, entry, None)
    return lambda: _swap(name, None, entry)


def _swap(name: str, add: Entry | None, drop: Entry | None) -> None:
    """A new rule for ``name``: its callbacks with ``add`` appended, or ``drop`` left out."""
    with _state.LOCK:
        old = None
        for rule in ROUTER.exact_rules(name):
            if type(rule) is PostImportRule:
                old = rule
                break
        if old is None:
            if add is not None:
                ROUTER.replace((), (PostImportRule(name, (add,)),))
            return
        if add is not None:
            entries = (*old.entries, add)
        else:
            entries = tuple(e for e in old.entries if e is not drop)
        ROUTER.replace((old,), (PostImportRule(name, entries),) if entries else ())
