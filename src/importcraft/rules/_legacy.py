"""PEP 302 importers (``find_module`` / ``load_module``) on every supported Python.

Python 3.12 stopped asking meta-path finders and path-entry finders that lack ``find_spec``, and
every version warns about ``load_module``. importcraft asks such importers itself and loads their
modules through an adapter with ``exec_module``, so they work unchanged and without warnings.
"""

from __future__ import annotations

from importlib.machinery import ModuleSpec

from ..core import _state
from ..core._errors import raise_user_error
from ..core._pep302 import spec_from_legacy_finder, spec_from_legacy_loader
from ..core._router import RESOLVE, Rule, add_rules

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from types import ModuleType

__all__ = ["install_legacy"]


def install_legacy(
    importer: object = None, *, path_hook: Callable[[str], object] | None = None
) -> _state.Hook:
    """Make a PEP 302 importer or path hook work on every supported Python.

    ``importer`` has ``find_module(fullname, path=None)`` returning a loader (often itself) with
    ``load_module(fullname)``; it is asked about every import not served by another rule. A
    ``load_module`` may return another module than a fresh one (``sys.modules[old] =
    sys.modules[new]``): the import binds that object and leaves its ``__spec__`` and
    ``__name__`` alone. ``path_hook`` is a callable that takes a ``sys.path`` entry and returns
    such an importer, or raises ``ImportError`` for entries it does not handle. Example::

        class Importer:
            def find_module(self, fullname, path=None):
                return self if fullname == "legacy_mod" else None

            def load_module(self, fullname):
                module = sys.modules.setdefault(fullname, types.ModuleType(fullname))
                module.answer = 42
                return module

        importcraft.install_legacy(Importer())
        import legacy_mod
    """
    if (importer is None) == (path_hook is None):
        raise TypeError("install_legacy() takes an importer or path_hook=..., exactly one of them")
    if path_hook is not None:
        return _install_path_hook(path_hook)
    if not callable(getattr(importer, "find_module", None)):
        raise TypeError(
            f"install_legacy() needs an importer with a find_module(fullname, path=None) method; "
            f"{importer!r} has none"
        )
    return add_rules(f"install_legacy({importer!r})", [LegacyRule(importer)])


class LegacyRule(Rule):
    """Asks a PEP 302 meta-path importer about every name."""

    __slots__ = ("importer",)

    def __init__(self, importer: object) -> None:
        super().__init__(RESOLVE, None)
        self.importer = importer

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None
    ) -> ModuleSpec | None:
        return spec_from_legacy_finder(self.importer, fullname, path)


class LegacyPathHook:
    """Wraps a PEP 302 path hook so the importers it returns answer ``find_spec``."""

    def __init__(self, hook: Callable[[str], object]) -> None:
        self.hook = hook
        self.finders: dict[str, object] = {}  # path entry -> finder made for it

    def __call__(self, entry: str) -> object:
        importer = self.hook(entry)  # ImportError: not ours, importlib tries the next hook
        finder = importer
        if not callable(getattr(importer, "find_spec", None)):
            finder = LegacyPathFinder(importer, entry)
        with _state.LOCK:
            self.finders[entry] = finder
        return finder

    def __repr__(self) -> str:
        return f"<importcraft.LegacyPathHook {self.hook!r}>"


class LegacyPathFinder:
    """A path-entry finder around a PEP 302 importer for one ``sys.path`` entry."""

    def __init__(self, importer: object, entry: str) -> None:
        self.importer = importer
        self.entry = entry

    def find_spec(self, fullname: str, target: ModuleType | None = None) -> ModuleSpec | None:
        importer = self.importer
        if callable(find_loader := getattr(importer, "find_loader", None)):
            try:
                loader, portions = find_loader(fullname)
            except Exception as exc:
                raise_user_error(importer, f"find_loader({fullname!r})", exc, fullname)
            if loader is None:
                if not portions:
                    return None
                spec = ModuleSpec(fullname, None)
                spec.submodule_search_locations = list(portions)
                return spec
        else:
            try:
                loader = importer.find_module(fullname)  # type: ignore[attr-defined]
            except Exception as exc:
                raise_user_error(importer, f"find_module({fullname!r})", exc, fullname)
            if loader is None:
                return None
        return spec_from_legacy_loader(fullname, loader)

    def invalidate_caches(self) -> None:
        invalidate = getattr(self.importer, "invalidate_caches", None)
        if callable(invalidate):
            invalidate()

    def __repr__(self) -> str:
        return f"<importcraft.LegacyPathFinder {self.importer!r} for {self.entry!r}>"


def _install_path_hook(path_hook: Callable[[str], object]) -> _state.Hook:
    if not callable(path_hook):
        raise TypeError(f"install_legacy(path_hook=...) needs a callable, not {path_hook!r}")
    wrapper = LegacyPathHook(path_hook)
    with _state.LOCK:
        _state.insert_path_hook(wrapper)
        return _state.register(
            f"install_legacy(path_hook={path_hook!r})",
            lambda: _state.remove_path_hook(wrapper, wrapper.finders),
        )
