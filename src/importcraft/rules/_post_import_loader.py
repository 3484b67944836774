"""The loader of modules with post-import callbacks, imported when the first one is found."""

from __future__ import annotations

import sys

from ..core._wrapping import WrappingLoader

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType


class PostImportLoader(WrappingLoader):
    """Runs the module, hands its loader back, then calls the callbacks for it.

    Before the callbacks run, the module is marked as initialised, which is what importlib
    checks before waiting on a module's import lock: from then on other threads importing it
    take it at once, as after any import, instead of waiting for the callbacks. So a callback
    may import anything, in any thread, including modules that import this one and modules
    with callbacks of their own, without waiting on this import. No lock of importcraft's is
    held either. ``notify(name, module)`` calls the callbacks (``_post_import.notify``, handed
    over rather than imported: this module is imported from there).
    """

    def __init__(self, original: object, notify: Callable[[str, ModuleType], None]) -> None:
        super().__init__(original)
        self.notify = notify

    def load(self, module: ModuleType) -> None:
        # WrappingLoader.load with run(), restore() and after() written out for the usual
        # case: the callbacks follow the end of the module's body as closely as they can.
        original = self.original
        try:
            original.exec_module(module)  # type: ignore[attr-defined]
        except BaseException:
            self.restore(module)
            raise
        spec = module.__spec__
        name = spec.name if spec is not None else module.__name__
        # A module may have put another object in its place in sys.modules: that is what the
        # import statement binds, so that is what the callbacks get.
        current = sys.modules.get(name, module)
        me: object = self
        if (
            current is module
            and spec is not None
            and spec.loader is me
            and getattr(module, "__loader__", None) is me
            and not isinstance(original, WrappingLoader)
        ):
            module.__loader__ = spec.loader = original  # type: ignore[assignment]
        else:
            self.restore(module)
        if spec is not None:
            # importlib's own flag (set back to False by importlib once exec_module returns).
            spec._initializing = False  # type: ignore[attr-defined]
        self.notify(name, current)
