"""register_version() and set_default_version(): several versions of a module in one process."""

from __future__ import annotations

import os
import sys

from ..core import _state
from ..core._names import check_module_name
from ..core._router import RESOLVE, ROUTER, Rule

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType

    from ..sources import Source

__all__ = ["register_version", "set_default_version"]


def versioned_name(name: str, version: str) -> str:
    """``mylib`` version ``2.1`` is imported as ``mylib_v2_1``."""
    return f"{name}_v{version.replace('.', '_').replace('-', '_')}"


class CatalogRule(Rule):
    """Answers ``import mylib_v9`` for a version nobody registered, listing the ones there are.

    One rule covers every name (the versions' names are not dotted prefixes of anything); it
    tells the router which top-level names it wants (:meth:`serves_top`, one string split), so
    any other name still misses in one lookup. It is only on the router while a version is
    registered.
    The registered versions themselves are served by their own, more specific rules.
    """

    __slots__ = ("versions",)

    def __init__(self, versions: dict[str, dict[str, str]]) -> None:
        super().__init__(RESOLVE, None)
        self.versions = versions  # name -> version -> versioned module name; never changed

    def serves_top(self, top: str) -> bool:
        # Only names like a version of a registered module: any other misses in one lookup.
        return self._unregistered(top) is not None

    def _unregistered(self, top: str) -> tuple[str, str, dict[str, str]] | None:
        """``(base, version, known versions)`` if ``top`` names an unregistered version."""
        base, marker, version = top.rpartition("_v")
        known = self.versions.get(base) if marker and version[:1].isdigit() else None
        if known is None or top in known.values():
            return None
        return base, version, known

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None
    ) -> ModuleSpec | None:
        unregistered = self._unregistered(fullname.partition(".")[0])
        if unregistered is not None:
            base, version, known = unregistered
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
    new = [CatalogRule(versions)] if versions else []
    ROUTER.replace([old] if old else [], new, "register_version(): the registered versions")


def register_version(
    name: str,
    version: str | int,
    source: str | os.PathLike[str] | bytes | Mapping[str, str | bytes],
) -> _state.Hook:
    """Make ``import name_vX`` load version ``X`` of module or package ``name``.

    ``version`` is a ``str`` or an ``int``; ``2`` and ``"2"`` name the same version. ``source``
    is a path (``str`` or ``os.PathLike``) to the version's ``.py`` file, to the package's own
    folder or to a folder holding it; or the module's source text; or a mapping for a package
    (as for :func:`~importcraft.virtual`: ``{"mylib": ..., "mylib.util": ...}``). A string is a
    path if one exists there, else source text; one that is neither raises ``ValueError``
    saying why each reading failed. Version ``2.1`` is imported as ``mylib_v2_1``. The module
    gets ``__version__`` (the version as a string) unless it defines its own. Inside a version,
    the package's absolute imports of itself (``from mylib import util``) resolve to that same
    version, so two versions live side by side without cross-talk. Example::

        importcraft.register_version("mylib", 1, "/opt/mylib-1.4/mylib")
        importcraft.register_version("mylib", 2, "path/to/mylib_v2.py")
        import mylib_v1, mylib_v2
        importcraft.set_default_version("mylib", 2)    # import mylib gives mylib_v2
    """
    from ..rewrite import transform
    from ..sources import DictSource, DirectorySource
    from ..sources._install import install
    from ..transformers import ImportRewriter
    from ._post_import import add_callback

    check_module_name(name)
    version = _version_text("register_version", version)
    target = versioned_name(name, version)
    check_module_name(target, f"the module name of version {version!r}")
    catalog = _catalog()
    if catalog is not None and version in catalog.versions.get(name, {}):
        raise ValueError(f"version {version!r} of {name!r} is already registered")

    served: Source | None = None
    module_file: str | None = None
    if isinstance(source, str | os.PathLike):
        path = _path_of(name, version, source)
        if path is None:  # source text
            served = DictSource({"": os.fspath(source)})
        elif os.path.isdir(path):
            served = DirectorySource(_package_folder(name, path))
        else:
            module_file = path
    elif isinstance(source, bytes):
        _check_source(name, version, source)
        served = DictSource({"": source})
    else:
        served = DictSource(_relative(name, source))

    description = f"register_version({name!r}, {version!r})"
    hooks: list[_state.Hook] = []
    remove_callback = None
    with _state.LOCK:
        try:
            if served is not None:
                hooks.append(install(served, prefix=target))
            else:
                file_rule = FileRule(target, module_file or "")
                ROUTER.add([file_rule], f"{description}: {module_file}")
                hooks.append(_state.register(f"{description}: {module_file}", file_rule.remove))
            # The version's absolute imports of itself stay inside the version.
            hooks.append(transform(target, ImportRewriter({name: target})))

            def set_version(module: ModuleType) -> None:
                if "__version__" not in vars(module):  # the package's own wins
                    module.__version__ = version  # type: ignore[attr-defined]

            remove_callback = add_callback(target, set_version, strict=True)
            versions = dict(catalog.versions) if catalog is not None else {}
            versions[name] = {**versions.get(name, {}), version: target}
            _swap_catalog(versions)
        except BaseException:  # all or nothing
            if remove_callback is not None:
                remove_callback()
            for hook in reversed(hooks):
                hook.remove()
            raise
        undo_parts = _state.take_over(hooks)

        def undo() -> None:
            remove_callback()
            undo_parts()
            current = _catalog()
            left = dict(current.versions) if current is not None else {}
            left[name] = {v: n for v, n in left.get(name, {}).items() if v != version}
            _swap_catalog(left)

        return _state.register(description, undo)


class FileRule(Rule):
    """Serves one versioned module from its ``.py`` file, with Python's own file loader."""

    __slots__ = ("path",)

    def __init__(self, target: str, path: str) -> None:
        super().__init__(RESOLVE, target, exact=True)
        self.path = path

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None
    ) -> ModuleSpec | None:
        from importlib.util import spec_from_file_location

        return spec_from_file_location(fullname, self.path)

    def remove(self) -> None:
        ROUTER.remove([self])


def _version_text(function: str, version: object) -> str:
    """The version as the text it prints as: ``2`` and ``"2"`` are one version."""
    if isinstance(version, bool) or not isinstance(version, str | int) or version == "":
        raise TypeError(
            f"{function}(): the version must be a non-empty str or an int, not {version!r}"
        )
    return str(version)


def _path_of(name: str, version: str, source: str | os.PathLike[str]) -> str | None:
    """The file or folder ``source`` names, or None if it is source text; else ValueError."""
    where = f"register_version({name!r}, {version!r})"
    if isinstance(source, os.PathLike):
        path = os.fspath(source)
        if not os.path.exists(path):
            raise FileNotFoundError(f"{where}: the source path {path!r} does not exist")
    elif "\n" not in source and "\r" not in source and os.path.exists(source):
        path = source
    else:
        text = source
        problem = _check_source(name, version, text, raise_=False)
        one_line = "\n" not in text.strip()
        if problem is None and not (one_line and text.strip().endswith(".py")):
            return None
        as_path = "it names no existing file or directory" if one_line else "it has line breaks"
        as_source = problem or "a one-line text ending in '.py' is taken for a path"
        raise ValueError(
            f"{where}: the source {text if len(text) < 80 else text[:77] + '...'!r} is "
            f"neither a path ({as_path}) nor valid source text ({as_source}); pass the path "
            "of an existing .py file or package folder, or the module's source text"
        )
    if os.path.isdir(path):
        return path
    if not path.endswith(".py"):
        raise ValueError(
            f"{where}: the source {path!r} is a file but not a .py file; pass a .py file, "
            "a package folder or the module's source text"
        )
    return os.path.abspath(path)


def _check_source(name: str, version: str, text: str | bytes, *, raise_: bool = True) -> str | None:
    """Compile ``text`` to find a syntax error at registration rather than at import."""
    try:
        compile(text, f"<version {version} of {name}>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        if isinstance(exc, SyntaxError):
            problem = f"SyntaxError: {exc.msg} (line {exc.lineno})"
        else:
            problem = f"{type(exc).__name__}: {exc}"
        if raise_:
            raise ValueError(
                f"register_version({name!r}, {version!r}): the source text is not valid "
                f"Python: {problem}"
            ) from None
        return problem
    return None


def set_default_version(name: str, version: str | int) -> _state.Hook:
    """Make ``import name`` (and ``name.sub``) give the registered version ``version``.

    ``version`` is written as for :func:`register_version` (``2`` or ``"2"``). Raises
    ``ModuleNotFoundError`` listing the registered versions if ``version`` is not one.
    It is an :func:`~importcraft.alias` of ``name`` to the versioned module.
    """
    from ._aliases import alias

    check_module_name(name)
    version = _version_text("set_default_version", version)
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
