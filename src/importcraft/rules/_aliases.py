"""alias() and deprecate_attribute(): renaming modules and attributes without breaking users."""

from __future__ import annotations

import sys
from importlib.machinery import ModuleSpec
from types import ModuleType

from ..core import _state
from ..core._errors import ImportcraftWarning
from ..core._names import check_module_name, resolve_reference
from ..core._router import RESOLVE, ROUTER, Rule, add_rules

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

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
            from ..core._frames import warn_at_user

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


# Every alias name -> how many AliasRules it has; and every proper prefix of an alias name ->
# the alias names under it. Kept beside the router's tables (and snapshotted with them) so that
# the cycle check costs the depth of the names involved, not the number of aliases.
_NAMES: dict[str, int] = {}
_UNDER: dict[str, dict[str, None]] = {}


def _parents(name: str) -> list[str]:
    """``a.b.c`` -> ``["a", "a.b"]``."""
    parts = name.split(".")
    return [".".join(parts[:depth]) for depth in range(1, len(parts))]


def _track(old: str, step: int) -> None:
    count = _NAMES.get(old, 0) + step
    if count:
        _NAMES[old] = count
        if step > 0:
            for parent in _parents(old):
                _UNDER.setdefault(parent, {})[old] = None
        return
    del _NAMES[old]
    for parent in _parents(old):
        under = _UNDER[parent]
        del under[old]
        if not under:
            del _UNDER[parent]


def _snapshot() -> Callable[[], None]:
    names = _NAMES.copy()
    under = {parent: keys.copy() for parent, keys in _UNDER.items()}

    def restore() -> None:
        _NAMES.clear()
        _NAMES.update(names)
        _UNDER.clear()
        _UNDER.update(under)

    return restore


_state.add_snapshotter(_snapshot)


def _targets(old: str) -> list[str]:
    return [r.new for r in ROUTER.prefix_rules(old) if isinstance(r, AliasRule)]


def _next_aliases(name: str, old: str) -> list[str]:
    """The alias names that may apply to ``name`` or to a module under it.

    Every alias covering ``name`` counts, not only the most specific one the router would
    apply today: removing that one would let a shorter one apply, and removing a hook must
    never create a cycle the check let through.
    """
    found = [parent for parent in _parents(name) if parent in _NAMES or parent == old]
    if name in _NAMES or name == old:
        found.append(name)
    found.extend(_UNDER.get(name, ()))
    if old not in _NAMES and old.startswith(name + "."):
        found.append(old)  # the alias being made is not in the tables yet
    return found


def _find_cycle(old: str, new: str) -> list[tuple[str, str]] | None:
    """A loop of aliases from ``old`` back to it along which a name is rewritten forever.

    Returned as the ``(alias name, target)`` steps taken, or ``None``. A name ``k.rest`` that
    the alias ``k -> v`` matches becomes ``v.rest``, and the rewriting goes on while an alias
    covers the new name (or a module under it, which the rest of a longer name may reach). It
    can go on forever only round a loop of aliases that does not shorten the name: ``a -> b``
    with ``b -> a``, or ``a -> b.x`` with ``b -> a``, which lengthens it at every turn. A loop
    that shortens it ends (``new.legacy -> new`` serves ``new.legacy.legacy`` in two steps).
    Every loop without ``old`` shortens the name (the check refused the others when they were
    made), so the longest way back to ``old`` is well defined: Bellman-Ford over the aliases
    reachable from ``old``, of which there are none for the usual alias to an unaliased name.
    """
    edges: list[tuple[str, str, str, int]] = []
    seen = {old}
    todo = [old]
    while todo:
        node = todo.pop()
        depth = node.count(".")
        for target in [new] if node == old else _targets(node):
            weight = target.count(".") - depth
            for following in _next_aliases(target, old):
                edges.append((node, target, following, weight))
                if following not in seen:
                    seen.add(following)
                    todo.append(following)
    best: dict[str, int] = {old: 0}
    came_from: dict[str, tuple[str, str]] = {}
    for _ in range(len(seen)):
        changed = False
        for node, target, following, weight in edges:
            if node not in best:
                continue
            length = best[node] + weight
            if following == old:
                if length < 0:
                    continue
                steps = [(node, target)]
                while node != old:
                    node, target = came_from[node]
                    steps.append((node, target))
                return steps[::-1]
            if following not in best or length > best[following]:
                best[following] = length
                came_from[following] = (node, target)
                changed = True
        if not changed:
            break
    return None


def _describe_cycle(steps: list[tuple[str, str]]) -> str:
    """The names an import goes through round the loop ``steps``: ``a -> b.x -> a.x -> ...``."""
    start = name = steps[0][0]
    shown = [name]
    for _turn in range(2):  # a second turn shows a name that grows
        for index, (here, target) in enumerate(steps):
            if not (name == here or name.startswith(here + ".")):
                return " -> ".join(shown) + " -> ..."
            following = steps[(index + 1) % len(steps)][0]
            name = target + name[len(here) :]
            shown.append(name)
            if following.startswith(name + "."):  # the alias applies to a module under it
                name = following
                shown.append(name)
        if name == start:
            break
    return " -> ".join(shown) + ("" if name == start else " -> ...")


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
    if message is not None and not isinstance(message, str):
        raise TypeError(f"alias() message must be a str or None, not {message!r}")
    if new == old or new.startswith(old + "."):
        raise ValueError(
            f"alias({old!r}, {new!r}) would import itself: the target is inside the alias"
        )
    rule = AliasRule(old, new, deprecated, message, category)
    options = (", deprecated=True" if deprecated else "") + (
        f", message={message!r}" if message is not None else ""
    )
    description = f"alias({old!r}, {new!r}{options})"

    def check_cycle() -> None:
        steps = _find_cycle(old, new)
        if steps is not None:
            loop = ", ".join(f"alias({here!r}, {target!r})" for here, target in steps)
            raise ValueError(
                f"{description} makes a cycle: {_describe_cycle(steps)} (through {loop}); "
                "an import of these names would never end. Remove one of these aliases."
            )

    with _state.LOCK:
        check_cycle()
    existing = sys.modules.get(old)
    if existing is not None and existing is not sys.modules.get(new):
        from ..core._frames import warn_at_user

        # Before registering: under -W error the warning is an exception and nothing changes.
        warn_at_user(
            f"{old!r} is already imported as a module of its own ({existing!r}); "
            f"{description} applies only to imports from now on. Remove it from sys.modules "
            "first if every import must give the new module.",
            ImportcraftWarning,
        )

    def track() -> Callable[[], None]:
        _track(old, +1)
        return lambda: _track(old, -1)

    with _state.LOCK:
        check_cycle()  # again: another thread may have added an alias while we warned
        return add_rules(description, [rule], also=track)


class _Deprecated:
    """What one module's deprecations need: its class before, the class serving them, the table.

    Reading an attribute from outside (``module.name``, ``from module import name``) goes
    through the module's class, while the module's own code reads its globals from its
    ``__dict__`` directly. So the deprecated attributes stay in ``__dict__``, where the module's
    functions find them, and a subclass of the module's class made for this module holds one
    ``property`` per deprecated name: a data descriptor on the type wins over the instance
    ``__dict__``, and every other name is read at C speed, as before.
    """

    __slots__ = ("cls", "module", "original", "table")

    def __init__(self, module: ModuleType) -> None:
        self.module = module
        self.original = type(module)
        self.table: dict[str, _Deprecation] = {}
        name = ModuleType.__getattribute__(module, "__name__")
        self.cls: type[ModuleType] = type(
            f"{self.original.__name__}[deprecations of {name}]",
            (self.original,),
            {"__module__": self.original.__module__, "__slots__": ()},
        )

    def sync(self) -> None:
        """Give the class one property for each name in the table, and none for others."""
        cls, table = self.cls, self.table
        for name in [n for n, v in vars(cls).items() if isinstance(v, property)]:
            if name not in table:
                delattr(cls, name)
        for name in table:
            if not isinstance(vars(cls).get(name), property):
                setattr(cls, name, _deprecated_property(name, table))


def _deprecated_property(name: str, table: dict[str, _Deprecation]) -> property:
    def read(module: ModuleType) -> object:
        return table[name].read(module)

    def write(module: ModuleType, value: object) -> None:
        vars(module)[name] = value

    def delete(module: ModuleType) -> None:
        try:
            del vars(module)[name]
        except KeyError:
            raise AttributeError(name) from None

    return property(read, write, delete)


# id(module) -> its deprecations, for the modules that have some now.
_DEPRECATED: dict[int, _Deprecated] = {}


def _snapshot_deprecations() -> Callable[[], None]:
    saved = {key: (state, state.table.copy()) for key, state in _DEPRECATED.items()}

    def restore() -> None:
        for key, state in list(_DEPRECATED.items()):
            if key not in saved and type(state.module) is state.cls:
                state.module.__class__ = state.original
        _DEPRECATED.clear()
        for key, (state, table) in saved.items():
            state.table.clear()
            state.table.update(table)
            state.sync()
            state.module.__class__ = state.cls
            _DEPRECATED[key] = state

    return restore


_state.add_snapshotter(_snapshot_deprecations)


class _Deprecation:
    def __init__(
        self, name: str, replacement: str | None, message: str, category: type[Warning]
    ) -> None:
        self.name = name
        self.replacement = replacement
        self.message = message
        self.category = category
        self.resolved: object = _MISSING

    def read(self, module: ModuleType) -> object:
        from ..core._frames import warn_at_user

        warn_at_user(self.message, self.category)
        if self.replacement is None:
            # The value the module holds now: its own code may have rebound the global.
            namespace = vars(module)
            if self.name in namespace:
                return namespace[self.name]
            getter = namespace.get("__getattr__")
            if getter is not None:
                return getter(self.name)
            raise AttributeError(
                f"module {module.__name__!r} has no attribute {self.name!r}", name=self.name
            )
        if self.resolved is _MISSING:
            self.resolved = resolve_reference(self.replacement)
        return self.resolved


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
    deprecation when it is. A ``__getattr__`` the module already has keeps working.

    Only reads from outside the module warn: the attribute stays in the module's namespace, so
    the module's own functions keep reading the global as before (the module's class becomes a
    subclass of it that serves the deprecated names; removing the hook restores the class).
    Example::

        importcraft.deprecate_attribute("mylib", "OldClient", replacement="mylib.http:Client")
        from mylib import OldClient     # DeprecationWarning here; OldClient is Client
    """
    if isinstance(module, str):
        module_name = check_module_name(module, "deprecate_attribute() module")
    elif isinstance(module, ModuleType):
        module_name = module.__name__
    else:
        raise TypeError(
            f"deprecate_attribute() module must be a module or its name, not {module!r}"
        )
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"deprecate_attribute() name {name!r} is not an attribute name")
    if replacement is not None:
        if not isinstance(replacement, str):
            raise TypeError(
                f"deprecate_attribute() replacement must be a str or None, not {replacement!r}"
            )
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
    if not (isinstance(category, type) and issubclass(category, Warning)):
        raise TypeError(
            f"deprecate_attribute() category must be a Warning subclass, not {category!r}"
        )
    if not isinstance(message, str):
        raise TypeError(f"deprecate_attribute() message must be a str or None, not {message!r}")
    description = f"deprecate_attribute({module_name!r}, {name!r})"
    # (module, entry) for each module object this hook deprecated the attribute of: the
    # module at registration, and each later load or reload of it.
    applied: list[tuple[ModuleType, _Deprecation]] = []

    def apply(target_module: ModuleType) -> None:
        namespace = vars(target_module)
        if name not in namespace and replacement is None and "__getattr__" not in namespace:
            raise AttributeError(
                f"{description}: module {module_name!r} has no attribute {name!r} to deprecate "
                "and no replacement was given"
            )
        state = _DEPRECATED.get(id(target_module))
        if state is None or state.module is not target_module:
            state = _Deprecated(target_module)
        elif type(target_module) is not state.cls:
            # Something set the module's class since (importlib.util.LazyLoader does, when
            # the module loads): serve the deprecations from a subclass of that class.
            previous, state = state, _Deprecated(target_module)
            state.table.update(previous.table)
        if type(target_module) is not state.cls:
            try:
                target_module.__class__ = state.cls
            except TypeError as exc:
                raise TypeError(
                    f"{description}: cannot deprecate attributes of {target_module!r}, whose "
                    f"class {type(target_module).__qualname__} does not allow it ({exc})"
                ) from None
            _DEPRECATED[id(target_module)] = state
        entry = _Deprecation(name, replacement, message, category)
        state.table[name] = entry
        state.sync()
        applied.append((target_module, entry))

    def unapply() -> None:
        for target_module, entry in applied:
            state = _DEPRECATED.get(id(target_module))
            if state is None or state.module is not target_module:
                continue
            if state.table.get(name) is entry:
                del state.table[name]
                state.sync()
            if not state.table:
                if type(target_module) is state.cls:
                    target_module.__class__ = state.original
                del _DEPRECATED[id(target_module)]
        # ``applied`` is kept: isolated() may bring this hook (and these entries) back.

    target_module = sys.modules.get(module_name) if isinstance(module, str) else module
    lazy = sys.modules.get("importcraft.lazy._modules")
    if lazy is not None and lazy.is_lazy(target_module):
        # Its body has not run (reading its namespace would run it): the callback below
        # applies the deprecation when it does.
        target_module = None
    with _state.LOCK:
        if target_module is not None:
            apply(target_module)  # raises at once if there is nothing to deprecate
        try:
            # Later loads and reloads of the module (a reload runs its body, which sets the
            # attribute again) get the deprecation too; a failure then is a warning, not a
            # broken import.
            from ._post_import import add_callback

            remove_callback = add_callback(module_name, apply, strict=False)
        except BaseException:
            unapply()
            raise

        def undo() -> None:
            remove_callback()
            unapply()

        return _state.register(description, undo)
