"""alias() and deprecate_attribute(): renaming modules and attributes without breaking users."""

from __future__ import annotations

import sys
from importlib.machinery import ModuleSpec

from . import _state
from ._errors import ImportcraftWarning
from ._names import check_module_name, resolve_reference
from ._router import RESOLVE, ROUTER, Rule

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import ModuleType

__all__ = ["alias", "deprecate_attribute"]

_MISSING = object()


class AliasRule(Rule):
    """Serves ``old`` and every ``old.x`` as the module object of ``new`` / ``new.x``."""

    __slots__ = ("category", "deprecated", "message", "new", "old")

    def __init__(
        self,
        old: str,
        new: str,
        deprecated: bool,
        message: str | None,
        category: type[Warning],
    ) -> None:
        super().__init__(RESOLVE, old)
        self.old = old
        self.new = new
        self.deprecated = deprecated
        self.message = message
        self.category = category

    def target(self, fullname: str) -> str:
        return self.new + fullname[len(self.old) :]

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None
    ) -> ModuleSpec:
        loader = AliasLoader(self, fullname)
        return ModuleSpec(fullname, loader, origin=f"alias of {self.target(fullname)}")  # type: ignore[arg-type]

    def warning_text(self) -> str:
        if self.message is not None:
            return self.message
        return f"the module {self.old!r} is deprecated; import {self.new!r} instead"


class AliasLoader:
    """Binds the target module in the alias's place.

    importlib made a placeholder module for the alias name and will bind whatever is in
    ``sys.modules`` under that name once ``exec_module`` returns: putting the target there makes
    ``import old`` give the very object of ``new``, whose ``__spec__`` and ``__name__`` are never
    touched. The placeholder is dropped.
    """

    def __init__(self, rule: AliasRule, fullname: str) -> None:
        self.rule = rule
        self.fullname = fullname

    def create_module(self, spec: ModuleSpec) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        import importlib

        rule = self.rule
        target_name = rule.target(self.fullname)
        if rule.deprecated:
            from ._frames import warn_at_user

            warn_at_user(rule.warning_text(), rule.category)
        try:
            target = importlib.import_module(target_name)
        except ModuleNotFoundError as exc:
            missing = exc.name or ""
            if target_name == missing or target_name.startswith(missing + "."):
                raise ModuleNotFoundError(
                    f"No module named {missing!r}, so {self.fullname!r} cannot be imported: it "
                    f"is an alias of {target_name!r} (importcraft.alias({rule.old!r}, "
                    f"{rule.new!r}))",
                    name=self.fullname,
                ) from exc
            raise
        sys.modules[self.fullname] = target

    def __repr__(self) -> str:
        return f"<importcraft.AliasLoader {self.fullname!r} -> {self.rule.target(self.fullname)!r}>"


def _resolve(name: str, aliases: dict[str, str]) -> list[str]:
    """The names ``name`` is sent through by the aliases, until one is not an alias."""
    seen = [name]
    while True:
        covering = [old for old in aliases if name == old or name.startswith(old + ".")]
        if not covering:
            return seen
        old = max(covering, key=len)  # the most specific alias is the one the router applies
        name = aliases[old] + name[len(old) :]
        if name in seen:
            return [*seen, name]
        seen.append(name)


def alias(
    old: str,
    new: str,
    *,
    deprecated: bool = False,
    message: str | None = None,
    category: type[Warning] = DeprecationWarning,
) -> _state.Hook:
    """Make ``import old`` give the very module object of ``new``, submodules included.

    ``import old.sub`` gives the ``new.sub`` object, ``from old.sub import x`` and
    ``importlib.import_module("old.sub")`` work, whichever of ``old`` and ``new`` is imported
    first; ``new``'s own ``__spec__`` and ``__name__`` are never changed. With
    ``deprecated=True`` each first import of ``old`` (or a submodule) warns with ``category``,
    pointing at the line that wrote the import. Example::

        importcraft.alias("oldname", "newname", deprecated=True)
        import oldname        # DeprecationWarning at this line; oldname is newname

    Refused with ``ValueError``: an alias that makes a cycle, or whose target is inside it.
    """
    check_module_name(old, "alias name")
    check_module_name(new, "alias target")
    if not (isinstance(category, type) and issubclass(category, Warning)):
        raise TypeError(f"alias() category must be a Warning subclass, not {category!r}")
    if new == old or new.startswith(old + "."):
        raise ValueError(
            f"alias({old!r}, {new!r}) would import itself: the target is inside the alias"
        )
    rule = AliasRule(old, new, deprecated, message, category)
    options = (", deprecated=True" if deprecated else "") + (
        f", message={message!r}" if message is not None else ""
    )
    description = f"alias({old!r}, {new!r}{options})"
    with _state.LOCK:
        aliases = {r.old: r.new for r in ROUTER.all_rules() if isinstance(r, AliasRule)}
        aliases[old] = new
        for start in aliases:
            chain = _resolve(start, aliases)
            if chain[-1] in chain[:-1]:
                raise ValueError(f"alias({old!r}, {new!r}) makes a cycle: {' -> '.join(chain)}")
        ROUTER.add([rule])
        hook = _state.register(description, lambda: ROUTER.remove([rule]))
    existing = sys.modules.get(old)
    if existing is not None and existing is not sys.modules.get(new):
        from ._frames import warn_at_user

        warn_at_user(
            f"{old!r} is already imported as a module of its own ({existing!r}); "
            f"{description} applies only to imports from now on. Remove it from sys.modules "
            "first if every import must give the new module.",
            ImportcraftWarning,
        )
    return hook


class _Deprecations:
    """A module's ``__getattr__`` (PEP 562) that serves its deprecated attributes.

    One per module, whatever the number of deprecated names; names it does not know go to the
    ``__getattr__`` the module had before, so that one keeps working.
    """

    def __init__(self, module: ModuleType, previous: object) -> None:
        self.module = module
        self.previous = previous
        self.entries: dict[str, _Deprecation] = {}

    def __call__(self, name: str) -> object:
        entry = self.entries.get(name)
        if entry is not None:
            return entry.read()
        if self.previous is not None:
            return self.previous(name)  # type: ignore[operator]
        raise AttributeError(f"module {self.module.__name__!r} has no attribute {name!r}")


class _Deprecation:
    def __init__(
        self,
        module: ModuleType,
        name: str,
        original: object,
        replacement: str | None,
        message: str,
        category: type[Warning],
    ) -> None:
        self.module = module
        self.name = name
        self.original = original
        self.replacement = replacement
        self.message = message
        self.category = category
        self.resolved: object = _MISSING

    def read(self) -> object:
        from ._frames import warn_at_user

        warn_at_user(self.message, self.category)
        if self.resolved is _MISSING:
            self.resolved = self._resolve()
        return self.resolved

    def _resolve(self) -> object:
        if self.replacement is None:
            if self.original is not _MISSING:
                return self.original
            holder = self.module.__dict__.get("__getattr__")
            previous = getattr(holder, "previous", None)
            if previous is not None:
                return previous(self.name)
            raise AttributeError(
                f"module {self.module.__name__!r} has no attribute {self.name!r}", name=self.name
            )
        return resolve_reference(self.replacement)


def deprecate_attribute(
    module: str | ModuleType,
    name: str,
    *,
    replacement: str | None = None,
    message: str | None = None,
    category: type[Warning] = DeprecationWarning,
) -> _state.Hook:
    """Make reading ``module.name`` warn, then give the attribute or its ``replacement``.

    ``replacement`` is ``"pkg.mod:attr"`` (resolved on first use); without it the attribute keeps
    its value. The warning points at the line that read the attribute (``from module import
    name`` included). ``module`` is a module or its name; a module not imported yet gets the
    deprecation when it is. A ``__getattr__`` the module already has keeps working. Example::

        importcraft.deprecate_attribute("mylib", "OldClient", replacement="mylib.http:Client")
        from mylib import OldClient     # DeprecationWarning here; OldClient is Client
    """
    module_name = module if isinstance(module, str) else module.__name__
    check_module_name(module_name, "module name")
    if not name.isidentifier():
        raise ValueError(f"deprecate_attribute(): {name!r} is not an attribute name")
    if replacement is not None:
        target, colon, attribute = replacement.partition(":")
        if not colon or not all(part.isidentifier() for part in attribute.split(".")):
            raise ValueError(
                f"deprecate_attribute(): replacement {replacement!r} must look like "
                "'package.module:attribute'"
            )
        check_module_name(target, "replacement module")
    if message is None:
        instead = f"; use {replacement.replace(':', '.')} instead" if replacement else ""
        message = f"{module_name}.{name} is deprecated{instead}"
    description = f"deprecate_attribute({module_name!r}, {name!r})"
    applied: list[tuple[ModuleType, _Deprecations]] = []

    def apply(target_module: ModuleType) -> None:
        namespace = target_module.__dict__
        holder = namespace.get("__getattr__")
        if not isinstance(holder, _Deprecations):
            holder = _Deprecations(target_module, holder)
        original = namespace.pop(name, _MISSING)
        if original is _MISSING and replacement is None and holder.previous is None:
            raise AttributeError(
                f"{description}: module {module_name!r} has no attribute {name!r} to deprecate "
                "and no replacement was given"
            )
        holder.entries[name] = _Deprecation(
            target_module, name, original, replacement, message, category
        )
        namespace["__getattr__"] = holder
        applied.append((target_module, holder))

    def unapply() -> None:
        for target_module, holder in applied:
            entry = holder.entries.pop(name, None)
            namespace = target_module.__dict__
            if entry is not None and entry.original is not _MISSING:
                namespace.setdefault(name, entry.original)
            if not holder.entries and namespace.get("__getattr__") is holder:
                if holder.previous is None:
                    del namespace["__getattr__"]
                else:
                    namespace["__getattr__"] = holder.previous
        applied.clear()

    target_module = sys.modules.get(module_name) if isinstance(module, str) else module
    with _state.LOCK:
        if target_module is not None:
            apply(target_module)  # raises at once if there is nothing to deprecate
        # Later loads and reloads of the module (a reload runs its body, which sets the
        # attribute again) get the deprecation too; a failure then is a warning, not a
        # broken import.
        from ._post_import import add_callback

        remove_callback = add_callback(module_name, apply, strict=False)

        def undo() -> None:
            remove_callback()
            unapply()

        return _state.register(description, undo)
