"""The loaders decorating rules put around another loader, and how to see through them.

Apart from ``_loaders.py`` (whose loaders are for modules that are not files) so that lazy
modules, and ``importcraft run --lazy``, load only this.
"""

import sys

from ._frames import import_entry, trim

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable
    from importlib.machinery import ModuleSpec
    from types import ModuleType


class WrappingLoader:
    """Base of the loaders decorating rules put around another loader.

    While the module loads, ``module.__loader__`` is the wrapper; once ``exec_module`` has run,
    successfully or not, ``module.__loader__`` and ``module.__spec__.loader`` are the original
    loader again, so nothing after the import can tell a wrapper was there. Attributes the
    wrapper does not define (``get_source``, ``get_resource_reader``, ...) are the original's.
    Subclasses override :meth:`run` (how the module executes) and :meth:`after` (what follows a
    successful execution, once the original loader is back).
    """

    def __init__(self, original: object) -> None:
        self.original = original

    def create_module(self, spec: "ModuleSpec") -> "ModuleType | None":
        create = getattr(self.original, "create_module", None)
        return create(spec) if create is not None else None

    @import_entry
    def exec_module(self, module: "ModuleType") -> None:
        try:
            self.load(module)
        except BaseException as exc:
            trim(exc)  # the user's frames first, as after a plain import
            raise

    def load(self, module: "ModuleType") -> None:
        """Run the module, hand the original loader back, then do what follows."""
        try:
            self.run(module)
        finally:
            self.restore(module)
        self.after(module)

    def run(self, module: "ModuleType") -> None:
        """Execute the module; by default, exactly as the original loader would."""
        self.original.exec_module(module)  # type: ignore[attr-defined]

    def after(self, module: "ModuleType") -> None:
        """Called after a successful :meth:`run`; the module's loader is the original again."""

    def restore(self, module: "ModuleType") -> None:
        """Hand the original loader back to the module (and to the module that replaced it).

        With wrappers around wrappers (a transform and a post-import hook over one module), the
        innermost one to finish restores the loader that no importcraft wrapper wraps, so that no
        wrapper stays on the module once its hook is removed.
        """
        original = self.original
        if isinstance(original, WrappingLoader):
            original = unwrap(original)
        spec = getattr(module, "__spec__", None)
        replacement = sys.modules.get(spec.name if spec is not None else module.__name__)
        if replacement is None or replacement is module:
            targets: tuple[ModuleType, ...] = (module,)
        else:  # the module put itself under another object's name
            targets = (module, replacement)
        for target in targets:
            # "is self": the usual case, without a call (it runs between a module's body and
            # its post-import callbacks).
            loader = getattr(target, "__loader__", None)
            if loader is self or self._wraps_me(loader):
                target.__loader__ = original  # type: ignore[assignment]
            target_spec = getattr(target, "__spec__", None)
            if target_spec is not None:
                loader = target_spec.loader
                if loader is self or self._wraps_me(loader):
                    target_spec.loader = original

    def _wraps_me(self, loader: object) -> bool:
        """Whether ``loader`` is this wrapper or a wrapper around it."""
        return unwrap(loader, until=self) is self

    def __getattr__(self, name: str) -> object:
        # Only reached for names the wrapper lacks: behave like the wrapped loader.
        if name == "original":
            raise AttributeError(name)
        return getattr(self.original, name)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} around {self.original!r}>"


def wrap_loader(spec: "ModuleSpec", make: "Callable[[object], WrappingLoader]") -> "ModuleSpec":
    """Put a wrapper made by ``make`` around ``spec``'s loader (namespace packages have none)."""
    if spec.loader is not None:
        spec.loader = make(spec.loader)  # type: ignore[assignment]
    return spec


def unwrap(
    loader: object,
    kinds: type | tuple[type, ...] = WrappingLoader,
    until: object = None,
) -> object:
    """The loader inside ``loader``'s wrappers of ``kinds`` (every :class:`WrappingLoader`).

    Stops early at ``until`` if it is one of them (``unwrap(x, until=w) is w``: ``x`` is ``w``
    or wraps it).
    """
    while loader is not until and isinstance(loader, kinds):
        loader = loader.original  # type: ignore[attr-defined]
    return loader
