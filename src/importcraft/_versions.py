"""register_version() and set_default_version(): several versions of a module in one process."""

from __future__ import annotations

import os
import sys

from . import _state
from ._names import check_module_name
from ._router import RESOLVE, ROUTER, Rule

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType

    from .sources import Source

__all__ = ["register_version", "set_default_version"]


def versioned_name(name: str, version: str) -> str:
    """``mylib`` version ``2.1`` is imported as ``mylib_v2_1``."""
    return f"{name}_v{version.replace('.', '_').replace('-', '_')}"


class CatalogRule(Rule):
    """Answers ``import mylib_v9`` for a version nobody registered, listing the ones there are.

    One rule covers every name (the versions' names are not dotted prefixes of anything), so
    its check is one string split; it is only on the router while a version is registered.
    The registered versions themselves are served by their own, more specific rules.
    """

    __slots__ = ("versions",)

    def __init__(self, versions: dict[str, dict[str, str]]) -> None:
        super().__init__(RESOLVE, None)
        self.versions = versions  # name -> version -> versioned module name; never changed

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None
    ) -> ModuleSpec | None:
        top = fullname.partition(".")[0]
        base, marker, version = top.rpartition("_v")
        known = self.versions.get(base) if marker and version[:1].isdigit() else None
        if known is not None and top not in known.values():
            available = ", ".join(sorted(known)) or "none"
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: version {version!r} of {base!r} is not "
                f"registered (available: {available}; see importcraft.register_version)",
                name=fullname,
            )
        return None


def _catalog() -> CatalogRule | None:
    return next((r for r in ROUTER.all_rules() if isinstance(r, CatalogRule)), None)


def _swap_catalog(change: dict[str, dict[str, str]]) -> None:
    old = _catalog()
    versions = {name: dict(known) for name, known in change.items() if known}
    ROUTER.replace([old] if old else [], [CatalogRule(versions)] if versions else [])


def register_version(
    name: str, version: str, source: str | os.PathLike[str] | Mapping[str, str | bytes]
) -> _state.Hook:
    """Make ``import name_vX`` load version ``X`` of module or package ``name``.

    ``source`` is the module's source text, a mapping for a package (as for
    :func:`~importcraft.virtual`: ``{"mylib": ..., "mylib.util": ...}``), or a directory: the
    package's own folder, or a folder holding it. Version ``2.1`` is imported as
    ``mylib_v2_1``. The module gets ``__version__``. Inside a version, the package's absolute
    imports of itself (``from mylib import util``) resolve to that same version, so two
    versions live side by side without cross-talk. Example::

        importcraft.register_version("mylib", "1", "/opt/mylib-1.4/mylib")
        importcraft.register_version("mylib", "2", "/opt/mylib-2.0/mylib")
        import mylib_v1, mylib_v2
        importcraft.set_default_version("mylib", "2")    # import mylib gives mylib_v2
    """
    from ._install import install
    from ._post_import import add_callback
    from ._transform import transform
    from .sources import DictSource, DirectorySource
    from .transformers import ImportRewriter

    check_module_name(name)
    if not isinstance(version, str) or not version:
        raise TypeError(f"register_version(): the version must be a non-empty str, not {version!r}")
    target = versioned_name(name, version)
    check_module_name(target, f"the module name of version {version!r}")
    catalog = _catalog()
    if catalog is not None and version in catalog.versions.get(name, {}):
        raise ValueError(f"version {version!r} of {name!r} is already registered")

    served: Source
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and "\n" not in source and os.path.isdir(source)
    ):
        served = DirectorySource(_package_folder(name, os.fspath(source)))
    elif isinstance(source, str | bytes):
        served = DictSource({"": source})
    else:
        served = DictSource(_relative(name, source))

    description = f"register_version({name!r}, {version!r})"
    hooks: list[_state.Hook] = []
    with _state.LOCK:
        try:
            hooks.append(install(served, prefix=target))
            # The version's absolute imports of itself stay inside the version.
            hooks.append(transform(target, ImportRewriter({name: target})))
        except BaseException:
            for hook in reversed(hooks):  # all or nothing, also when a warning is an error
                hook.remove()
            raise

        def set_version(module: ModuleType) -> None:
            module.__version__ = version  # type: ignore[attr-defined]

        remove_callback = add_callback(target, set_version, strict=True)
        versions = dict(catalog.versions) if catalog is not None else {}
        versions[name] = {**versions.get(name, {}), version: target}
        _swap_catalog(versions)

        undo_parts = _state.take_over(hooks)

        def undo() -> None:
            remove_callback()
            undo_parts()
            current = _catalog()
            left = dict(current.versions) if current is not None else {}
            left[name] = {v: n for v, n in left.get(name, {}).items() if v != version}
            _swap_catalog(left)

        return _state.register(description, undo)


def set_default_version(name: str, version: str) -> _state.Hook:
    """Make ``import name`` (and ``name.sub``) give the registered version ``version``.

    Raises ``ModuleNotFoundError`` listing the registered versions if ``version`` is not one.
    It is an :func:`~importcraft.alias` of ``name`` to the versioned module.
    """
    from ._aliases import alias

    check_module_name(name)
    catalog = _catalog()
    known = catalog.versions.get(name, {}) if catalog is not None else {}
    if version not in known:
        available = ", ".join(sorted(known)) or "none"
        raise ModuleNotFoundError(
            f"version {version!r} of {name!r} is not registered (available: {available})",
            name=versioned_name(name, version),
        )
    if name in sys.modules and sys.modules[name] is not sys.modules.get(known[version]):
        sys.modules.pop(name)  # a default chosen now applies to the next import
    return alias(name, known[version])


def _package_folder(name: str, folder: str) -> str:
    """The package's own folder, given it or a folder holding it."""
    if os.path.isfile(os.path.join(folder, "__init__.py")):
        return folder
    inner = os.path.join(folder, name)
    if os.path.isfile(os.path.join(inner, "__init__.py")):
        return inner
    raise ValueError(
        f"register_version({name!r}): {folder!r} is neither the package's folder (with an "
        f"__init__.py) nor a folder holding {name}/__init__.py"
    )


def _relative(name: str, mapping: Mapping[str, str | bytes]) -> dict[str, str | bytes]:
    relative: dict[str, str | bytes] = {}
    for key, text in mapping.items():
        if key == name:
            relative[""] = text
        elif key.startswith(name + "."):
            relative[key[len(name) + 1 :]] = text
        else:
            raise ValueError(
                f"register_version({name!r}): the mapping's key {key!r} is not {name!r} or under it"
            )
    return relative
