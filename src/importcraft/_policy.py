"""block() and allow_only(): policies that refuse imports.

A guard against accidental imports, not a security sandbox: code that wants a blocked module can
still reach it (through ``sys.meta_path``, importlib's internals or the module objects other code
already holds).
"""

from __future__ import annotations

import sys

from . import _state
from ._errors import ImportBlockedError
from ._names import check_module_name
from ._router import POLICY, ROUTER, Rule

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from types import ModuleType


# What allow_only(stdlib=False) loads first, so that refusing the standard library never breaks
# importcraft: its library modules (and the stdlib modules they import), and every stdlib module
# its code imports inside functions. tests/test_policy.py checks both lists against the source.
_OWN_MODULES = (
    "importcraft._aliases",
    "importcraft._attach",
    "importcraft._config",
    "importcraft._errors",
    "importcraft._frames",
    "importcraft._install",
    "importcraft._lazy",
    "importcraft._legacy",
    "importcraft._loaders",
    "importcraft._names",
    "importcraft._optional",
    "importcraft._post_import",
    "importcraft._resources",
    "importcraft._router",
    "importcraft._state",
    "importcraft.sources",
    "importcraft._transform",
    "importcraft._versions",
    "importcraft.transformers",
)
_OWN_STDLIB = (
    "ast",
    "asyncio.coroutines",
    "difflib",
    "functools",
    "importlib",
    "importlib.metadata",
    "importlib.resources.abc",
    "importlib.util",
    "inspect",
    "keyword",
    "linecache",
    "pathlib",
    "traceback",
    "warnings",
)


class PolicyRule(Rule):
    """Refuses the names it covers, naming the hook that did it and why."""

    __slots__ = ("description", "reason")

    def __init__(self, key: str | None, description: str, reason: str | None) -> None:
        super().__init__(POLICY, key)
        self.description = description
        self.reason = reason

    def refuse(self, fullname: str) -> ImportBlockedError:
        because = f": {self.reason}" if self.reason else ""
        return ImportBlockedError(
            f"import of {fullname!r} is blocked by importcraft.{self.description}{because} "
            "(remove that hook to allow it)",
            name=fullname,
        )


class BlockRule(PolicyRule):
    __slots__ = ()

    def check(self, fullname: str) -> None:
        raise self.refuse(fullname)


class AllowOnlyRule(PolicyRule):
    __slots__ = ("allowed", "ancestors", "stdlib")

    def __init__(self, names: tuple[str, ...], stdlib: bool, description: str, reason: str | None):
        super().__init__(None, description, reason)
        self.allowed = names
        self.stdlib = stdlib
        # Importing a.b.c imports a and a.b first: they must be allowed too.
        self.ancestors = frozenset(
            name.rsplit(".", depth)[0] for name in names for depth in range(1, name.count(".") + 1)
        )

    def check(self, fullname: str) -> None:
        if fullname in self.ancestors:
            return
        for name in self.allowed:
            if fullname == name or fullname.startswith(name + "."):
                return
        top = fullname.partition(".")[0]
        if top == "importcraft" or (self.stdlib and top in sys.stdlib_module_names):
            return
        raise self.refuse(fullname)


def block(*names: str, reason: str | None = None, evict: bool = False) -> _state.Hook:
    """Refuse imports of ``names`` and of every module under them.

    Importing a blocked module raises :class:`~importcraft.ImportBlockedError` (a
    ``ModuleNotFoundError``) naming the module, this hook and ``reason``. A module already in
    ``sys.modules`` is not affected, as Python does not ask finders for it, unless
    ``evict=True``, which removes it and its submodules from ``sys.modules`` (objects that
    already hold it keep it; removing the hook puts them back). Example::

        with importcraft.block("requests", reason="tests must not touch the network"):
            import requests      # ImportBlockedError: import of 'requests' is blocked by ...
    """
    if not names:
        raise TypeError("block() needs at least one module name")
    for name in names:
        check_module_name(name)
    args = ", ".join(repr(n) for n in names)
    rules = [BlockRule(name, f"block({args})", reason) for name in names]
    description = f"block({args}{f', reason={reason!r}' if reason else ''})"
    evicted: dict[str, ModuleType] = {}
    with _state.LOCK:
        ROUTER.add(rules)
        if evict:
            for module_name in list(sys.modules):
                if any(module_name == n or module_name.startswith(n + ".") for n in names):
                    evicted[module_name] = sys.modules.pop(module_name)

        def undo() -> None:
            ROUTER.remove(rules)
            for module_name, module in evicted.items():
                sys.modules.setdefault(module_name, module)

        return _state.register(description, undo)


def allow_only(*names: str, stdlib: bool = True, reason: str | None = None) -> _state.Hook:
    """Refuse every import outside ``names``, the standard library and importcraft itself.

    ``names`` are allowed with everything under them (and the packages above them, which Python
    must import first). With ``stdlib=False`` the standard library is refused too. Modules
    already imported are not affected. Example::

        importcraft.allow_only("myapp", "requests", reason="the app's declared dependencies")
        import numpy             # ImportBlockedError: import of 'numpy' is blocked by ...

    It guards against accidental imports; it is not a security sandbox.
    """
    for name in names:
        check_module_name(name)
    if not stdlib:
        import importlib

        for module_name in (*_OWN_MODULES, *_OWN_STDLIB):
            importlib.import_module(module_name)
    args = ", ".join(repr(n) for n in names)
    rule_text = f"allow_only({args}{'' if stdlib else ', stdlib=False'})"
    rule = AllowOnlyRule(tuple(names), stdlib, rule_text, reason)
    description = rule_text[:-1] + (f", reason={reason!r})" if reason else ")")
    with _state.LOCK:
        ROUTER.add([rule])
        return _state.register(description, lambda: ROUTER.remove([rule]))
