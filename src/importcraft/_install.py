"""install(), mount() and virtual(): putting a Source on the router."""

from __future__ import annotations

from . import _state
from ._names import check_module_name
from ._router import FALLBACK, RESOLVE, ROUTER, Rule

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType

    from .sources import Source


class SourceRule(Rule):
    """Serves the names a source holds, under ``prefix`` or at the top level."""

    __slots__ = ("prefix", "source")

    def __init__(self, stage: int, key: str | None, source: Source, prefix: str | None) -> None:
        super().__init__(stage, key)
        self.source = source
        self.prefix = prefix

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None
    ) -> ModuleSpec | None:
        prefix = self.prefix
        if prefix is None:
            name = fullname
        elif fullname == prefix:
            name = ""
        else:
            name = fullname[len(prefix) + 1 :]
        return self.source.find_spec(fullname, name, target)


def install(source: Source, *, prefix: str | None = None, fallback: bool = False) -> _state.Hook:
    """Serve the modules of ``source``, at the top level or under ``prefix``.

    With ``prefix``, the source's modules appear under it and ``prefix`` itself is a package
    (the same as :func:`mount`). With ``fallback=True`` the source serves a name only when no
    other finder on ``sys.meta_path`` finds it. Example::

        hook = importcraft.install(importcraft.DirectorySource("vendor"), fallback=True)
        import yaml     # the installed PyYAML if there is one, else vendor/yaml
        hook.remove()
    """
    return _install(source, prefix, fallback, None)


def mount(prefix: str, source: Source) -> _state.Hook:
    """Serve ``prefix`` and every name under ``prefix.`` from ``source``, and nothing else.

    ``prefix`` becomes a package whose submodules are the source's modules::

        importcraft.mount("plugins", importcraft.DirectorySource("/srv/plugins"))
        import plugins.json_handler          # /srv/plugins/json_handler.py
    """
    return _install(source, prefix, False, f"mount({prefix!r}, {source!r})")


def virtual(
    mapping: Mapping[str, str | bytes],
    *,
    prefix: str | None = None,
    resources: Mapping[str, Mapping[str, bytes | str]] | None = None,
) -> _state.Hook:
    """Make modules from source text: ``mapping`` maps dotted names to ``str`` or ``bytes``.

    A name with children is a package (its own key, if present, is its ``__init__``); relative
    imports work; ``resources`` maps a package to ``{filename: bytes}`` for
    ``importlib.resources``. See :class:`~importcraft.DictSource`. Example::

        with importcraft.virtual({"app": "from .util import twice", "app.util": "def twice(x): "
                                  "return 2 * x"}):
            from app import twice
    """
    from .sources import DictSource

    source = DictSource(mapping, resources=resources)
    names = sorted(mapping)
    shown = ", ".join(repr(n) for n in names[:4]) + (", ..." if len(names) > 4 else "")
    where = f", prefix={prefix!r}" if prefix is not None else ""
    return _install(source, prefix, False, f"virtual([{shown}]{where})")


def _install(
    source: Source, prefix: str | None, fallback: bool, description: str | None
) -> _state.Hook:
    from .sources import Source

    if not isinstance(source, Source):
        raise TypeError(
            "importcraft needs a Source (DictSource, DirectorySource, EnvSource or a subclass "
            f"of importcraft.Source), not {type(source).__name__}: {source!r}"
        )
    stage = FALLBACK if fallback else RESOLVE
    if prefix is not None:
        check_module_name(prefix, "prefix")
    elif source.mount_only:
        raise ValueError(
            f"{source!r} cannot serve top-level modules; mount it under a package name, "
            f"for example importcraft.mount('config', {source!r})"
        )
    if description is None:
        args = [repr(source)]
        args += [f"prefix={prefix!r}"] if prefix is not None else []
        args += ["fallback=True"] if fallback else []
        description = f"install({', '.join(args)})"

    def make_rules() -> list[Rule]:
        if prefix is not None:
            return [SourceRule(stage, prefix, source, prefix)]
        return _top_level_rules(source, stage)

    current = make_rules()  # may raise: nothing has been changed yet

    def refresh() -> None:
        nonlocal current
        source.invalidate_caches()
        if prefix is None:
            with _state.LOCK:
                new = make_rules()
                ROUTER.replace(current, new)
                current = new

    def undo() -> None:
        ROUTER.remove_cache_clearer(refresh)
        ROUTER.remove(current)

    with _state.LOCK:
        ROUTER.add(current)
        ROUTER.add_cache_clearer(refresh)
        return _state.register(description, undo)


def _top_level_rules(source: Source, stage: int) -> list[Rule]:
    roots = source.roots()
    if roots is None:
        return [SourceRule(stage, None, source, None)]
    rules: list[Rule] = []
    for root in roots:
        if root == "":
            raise ValueError(
                f"{source!r} has a module named '' (the package it is mounted as) but no prefix "
                "was given; use importcraft.mount(prefix, source)"
            )
        try:
            check_module_name(root, "top-level name")
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{source!r}.roots(): {exc}") from None
        if "." in root:
            raise ValueError(f"{source!r}.roots() returned {root!r}, which is not top-level")
        rules.append(SourceRule(stage, root, source, None))
    return rules
