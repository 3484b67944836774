"""The PEP 302 adapter: specs and PEP 451 loaders for importers that only have ``find_module``
and ``load_module``.

In the core because the router asks every finder the way importlib would, legacy ones
included; ``importcraft.rules._legacy`` builds ``install_legacy`` on it.
"""

from __future__ import annotations

import sys
from importlib.machinery import ModuleSpec

from ._errors import raise_user_error

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import ModuleType


def spec_from_legacy_finder(
    finder: object, fullname: str, path: Sequence[str] | None
) -> ModuleSpec | None:
    """The spec of ``fullname`` from a meta-path finder that has only ``find_module``."""
    try:
        loader = finder.find_module(fullname, path)  # type: ignore[attr-defined]
    except Exception as exc:
        raise_user_error(finder, f"find_module({fullname!r})", exc, fullname)
    return None if loader is None else spec_from_legacy_loader(fullname, loader)


def spec_from_legacy_loader(fullname: str, loader: object) -> ModuleSpec:
    """A spec whose loader runs ``loader.load_module`` the way PEP 302 expects."""
    origin = None
    is_package = False
    try:
        if callable(get_filename := getattr(loader, "get_filename", None)):
            origin = get_filename(fullname)
        if callable(check_package := getattr(loader, "is_package", None)):
            is_package = bool(check_package(fullname))
    except ImportError:
        pass  # optional PEP 302 extras; the loader may refuse them for this name
    adapter = (
        loader if callable(getattr(loader, "exec_module", None)) else LegacyLoader(fullname, loader)
    )
    spec = ModuleSpec(fullname, adapter, origin=origin, is_package=is_package)  # type: ignore[arg-type]
    spec.has_location = origin is not None
    return spec


class LegacyLoader:
    """Runs a PEP 302 ``load_module`` inside PEP 451's ``exec_module``.

    On a first import the placeholder module importlib made is taken out of ``sys.modules``
    first, so ``load_module`` creates (or substitutes) its own, as it did before PEP 451;
    importlib then binds whatever ``load_module`` left in ``sys.modules``. Afterwards the module
    gets the attributes importlib used to fill in, only where they are missing, and its spec's
    loader is the legacy loader again.
    """

    def __init__(self, fullname: str, loader: object) -> None:
        self.fullname = fullname
        self.loader = loader
        self._placeholder: ModuleType | None = None

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        self._placeholder = module = type(sys)(spec.name)
        return module

    def exec_module(self, module: ModuleType) -> None:
        name = self.fullname
        first_load = module is self._placeholder
        self._placeholder = None
        if first_load and sys.modules.get(name) is module:
            del sys.modules[name]
        returned = self.loader.load_module(name)  # type: ignore[attr-defined]
        loaded = sys.modules.get(name)
        if loaded is None:
            if returned is None:
                raise ImportError(
                    f"{self.loader!r}.load_module({name!r}) neither returned a module nor put "
                    "one in sys.modules",
                    name=name,
                )
            sys.modules[name] = loaded = returned
        self._fill_in(loaded)

    def _fill_in(self, module: ModuleType) -> None:
        original = self.loader
        if getattr(module, "__loader__", None) in (None, self):
            module.__loader__ = original  # type: ignore[assignment]
        if getattr(module, "__package__", None) is None:
            is_package = hasattr(module, "__path__")
            module.__package__ = module.__name__ if is_package else self.fullname.rpartition(".")[0]
        spec = getattr(module, "__spec__", None)
        if spec is None:
            spec = module.__spec__ = ModuleSpec(self.fullname, original)  # type: ignore[arg-type]
        if spec.loader is self:
            spec.loader = original

    def __getattr__(self, name: str) -> object:
        # get_source, is_package, get_code, ...: the legacy loader's own.
        if name in ("loader", "fullname", "_placeholder"):
            raise AttributeError(name)
        return getattr(self.loader, name)

    def __repr__(self) -> str:
        return f"<importcraft.LegacyLoader {self.fullname!r} via {self.loader!r}>"
