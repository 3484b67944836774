"""The Source base class."""

from __future__ import annotations

from ..core._errors import raise_user_error, user_value_error
from ..core._loaders import SourceLoader

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Iterable
    from importlib.machinery import ModuleSpec
    from importlib.resources.abc import Traversable
    from types import ModuleType
    from typing import Literal

_KINDS = ("module", "package")
# isinstance() with a tuple: ``str | bytes`` would make a union object at every call.
_TEXT = (str, bytes)


class Source:
    """Where the code of some modules comes from.

    A subclass answers :meth:`lookup` and :meth:`get_source`; importcraft builds the spec, the
    loader, tracebacks, ``inspect.getsource`` and resources from those. Names are relative to
    where the source is mounted: ``""`` is the package it is mounted as. Example::

        class Upper(importcraft.Source):
            label = "upper"

            def lookup(self, name):
                return "package" if name == "" else "module"

            def get_source(self, name):
                return f"NAME = {name.upper()!r}"

        importcraft.mount("shout", Upper())
        from shout import hello   # hello.NAME == "HELLO"

    Which names a source holds may be read once, when it is installed (see :meth:`roots`); the
    source text is read every time a module is loaded or reloaded.
    """

    #: The folder name in the ``__file__`` of its modules: ``<label>/pkg/mod.py``.
    label: str = "source"
    #: True for sources that cannot be installed without a prefix (``EnvSource``).
    mount_only: bool = False

    def roots(self) -> Iterable[str] | None:
        """The top-level names the source holds, for installing it without a prefix.

        The router asks the source only about names under these, so a miss stays free. Read at
        install time and again on ``importlib.invalidate_caches()``. ``None`` (the default)
        means "unknown": the source is then asked about every import.
        """
        return None

    def lookup(self, name: str) -> Literal["module", "package"] | None:
        """``"module"``, ``"package"``, or ``None`` when the source has no such module."""
        raise NotImplementedError(f"{type(self).__name__} must define lookup(name)")

    def get_source(self, name: str) -> str | bytes:
        """The source text of module ``name`` (bytes are decoded as Python decodes files)."""
        raise NotImplementedError(f"{type(self).__name__} must define get_source(name)")

    def resources(self, name: str) -> Traversable | None:
        """The resource folder of package ``name``, or ``None`` if it has none."""
        return None

    def find_spec(
        self, fullname: str, name: str, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        """The spec of module ``fullname``, which is ``name`` inside this source.

        The result of :meth:`lookup` is checked here, where it is known: anything but
        ``"module"``, ``"package"`` or ``None`` is an :class:`~importcraft.ImportcraftError`
        naming the source, the module and the value.
        """
        try:
            kind = self.lookup(name)
        except Exception as exc:
            raise_user_error(self, f"lookup({name!r})", exc, fullname)
        if kind is None:
            return None
        if not (isinstance(kind, str) and kind in _KINDS):
            raise user_value_error(
                self, f"lookup({name!r})", kind, "'module', 'package' or None", fullname
            )
        return SourceLoader(self, fullname, name, kind == "package").spec()

    def submodules(self, name: str) -> Iterable[str]:
        """The names of the modules directly inside package ``name`` (without ``name.``).

        ``pkgutil.iter_modules(package.__path__)`` and ``pkgutil.walk_packages`` list these
        (which of them are packages is asked of :meth:`lookup`). The default lists nothing.
        """
        return ()

    def _read_source(self, name: str, fullname: str) -> str | bytes:
        """:meth:`get_source`, checked: what importcraft's loaders call to read the text."""
        try:
            text = self.get_source(name)
        except Exception as exc:
            raise_user_error(self, f"get_source({name!r})", exc, fullname)
        if not isinstance(text, _TEXT):
            raise user_value_error(self, f"get_source({name!r})", text, "str or bytes", fullname)
        return text

    def invalidate_caches(self) -> None:
        """Forget anything cached; called through ``importlib.invalidate_caches()``."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
