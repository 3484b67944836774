"""lazy_attach() and lazy_attach_stub(): lazy submodules and attributes for a package (SPEC 1)."""

import sys

# Imported here, not in the functions: a ``from`` import in a function runs importlib's
# _handle_fromlist at every call, and lazy_attach runs once per package.
from ..core import _state
from ..core._names import check_module_name
from ..core._router import DECORATE, ROUTER, Rule
from ..core._wrapping import WrappingLoader, wrap_loader
from . import eager

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    import ast
    from collections.abc import Callable, Iterable, Mapping
    from importlib.machinery import ModuleSpec
    from types import ModuleType

    from ..core._state import Hook

    Attach = tuple[Callable[[str], object], Callable[[], list[str]], list[str]]
else:
    ModuleType = type(sys)  # types' class, without importing types

__all__ = ["lazy_attach", "lazy_attach_stub"]


def lazy_attach(
    package_name: str,
    submodules: "Iterable[str] | None" = None,
    submod_attrs: "Mapping[str, Iterable[str]] | None" = None,
) -> "Attach":
    """Lazy submodules and attributes for a package: call-compatible with ``lazy_loader.attach``.

    In the package's ``__init__.py``::

        __getattr__, __dir__, __all__ = importcraft.lazy_attach(
            __name__, submodules=["io", "plot"], submod_attrs={"core": ["Model", "fit"]}
        )

    ``pkg.plot`` imports ``pkg.plot`` on first access; ``pkg.Model`` imports ``pkg.core`` and
    gives its ``Model``. A resolved attribute is stored in the package's namespace, so later
    accesses cost what any attribute costs (and a function named like its own submodule is not
    shadowed by the submodule). With ``IMPORTCRAFT_EAGER=1`` (or ``EAGER_IMPORT=1``) everything is
    imported at once.
    """
    check_module_name(package_name, "lazy_attach() package name")
    attrs: dict[str, tuple[str, str | None]] = {
        attr: (module, attr) for module, names in (submod_attrs or {}).items() for attr in names
    }
    return _attach(package_name, set(submodules or ()), attrs)


def _attach(
    package_name: str,
    submodules: set[str],
    attrs: dict[str, tuple[str, str | None]],
    all_names: list[str] | None = None,
) -> "Attach":
    """``attrs``: package attribute -> (submodule, its attribute, or None for the submodule)."""
    names = sorted(submodules | attrs.keys())
    exported = list(all_names) if all_names is not None else names
    unresolved = set(names)
    prefix = package_name + "."
    rule: list[AttachRule] = []

    def notice() -> None:
        """Count the names bound without ``__getattr__``; drop ``__getattr__`` when none is left.

        ``import pkg.sub`` (and a sibling's ``from . import sub``) binds ``pkg.sub`` without
        asking ``__getattr__``. For a plain attached submodule that binding is the answer; for
        an attribute named like a submodule it is a shadow, removed so ``__getattr__`` gives the
        attribute, as in a package whose ``__init__`` imports it eagerly.
        """
        package = sys.modules.get(package_name)
        if package is None:
            return
        namespace = package.__dict__
        if namespace.get("__getattr__", __getattr__) is not __getattr__:
            return  # a reloaded package: its namespace belongs to another lazy_attach call
        for name in namespace.keys() & unresolved:
            # An attribute (not a submodule) named like the submodule bound: the attribute wins.
            target = attrs.get(name)
            if (
                target is not None
                and target[1] is not None
                and namespace[name] is sys.modules.get(prefix + name)
            ):
                del namespace[name]
            else:
                unresolved.discard(name)
        if not unresolved and namespace.get("__getattr__") is __getattr__:
            # CPython does not specialise attribute reads on a module with a __getattr__
            # (each costs 2-3 times as much): with every name resolved it can go.
            del namespace["__getattr__"]
            if rule:
                rule.pop().hook.remove()

    def __getattr__(name: str) -> object:
        import importlib

        package = sys.modules.get(package_name)
        if package is not None and type(package) is _Binding:
            _awaited.pop(id(package), None)
            _module_setattr(package, "__class__", ModuleType)  # a binding that never came
        notice()
        if package is not None and name in package.__dict__:
            return package.__dict__[name]  # bound by an import since the read began
        if name in submodules:
            value: object = importlib.import_module(prefix + name)
        elif name in attrs:
            module_name, attribute = attrs[name]
            module = importlib.import_module(prefix + module_name)
            value = module if attribute is None else getattr(module, attribute)
        else:
            raise AttributeError(f"module {package_name!r} has no attribute {name!r}", name=name)
        # Importing pkg.x binds the submodule as pkg.x; the attribute asked for wins.
        package = sys.modules.get(package_name)
        if package is not None and name in unresolved:
            package.__dict__[name] = value
            unresolved.discard(name)
            notice()
        return value

    __getattr__.importcraft_unresolved = unresolved  # type: ignore[attr-defined]
    __getattr__.importcraft_notice = notice  # type: ignore[attr-defined]

    def __dir__() -> list[str]:
        return list(exported)

    if eager():
        for name in names:
            __getattr__(name)
    elif names:
        # Submodules imported by name (import pkg.sub) are bound by importlib, not through
        # __getattr__: this rule tells notice() when, so its bookkeeping stays true. It is a
        # Hook like every change importcraft makes (listed, removable, scoped by isolated()),
        # which removes itself once every name is bound.
        new = AttachRule(package_name, unresolved, __getattr__)
        with _state.LOCK:
            for stale in ROUTER.prefix_rules(package_name):
                if isinstance(stale, AttachRule):  # the package ran lazy_attach again (reload)
                    stale.hook.remove()
            description = (
                f"lazy_attach({package_name!r}): watching imports of its pending submodules"
            )
            ROUTER.add([new], description)
            new.hook = _state.register(description, lambda: ROUTER.remove([new]))
        rule.append(new)
        notice()  # submodules the package imported before calling lazy_attach
    return __getattr__, __dir__, list(exported)


# An attached package's loader wrapper goes around every other (post-import hooks included), so
# that nothing runs between its after() and importlib binding the submodule to the package.
ORDER_ATTACH = 40


class AttachRule(Rule):
    """Watches the loads of a lazily attached package's submodules named like attached names.

    Once such a submodule's body has run, importlib binds it to the package with ``setattr``,
    which ``__getattr__`` never sees. Just before that, the package's class becomes
    :class:`_Binding` until that ``setattr``, which then tells the package's ``notice()``.
    """

    __slots__ = ("getattr_", "hook", "unresolved")
    hook: "Hook"  # set by lazy_attach right after registering the rule

    def __init__(self, package_name: str, unresolved: set[str], getattr_: object) -> None:
        super().__init__(DECORATE, package_name, order=ORDER_ATTACH)
        self.unresolved = unresolved  # the package's pending names, shared with its __getattr__
        self.getattr_ = getattr_

    def decorate(self, spec: "ModuleSpec") -> "ModuleSpec":
        parent, _, child = spec.name.rpartition(".")
        if parent == self.key and child in self.unresolved:
            return wrap_loader(spec, lambda original: _AttachLoader(original, self, child))
        return spec


class _AttachLoader(WrappingLoader):
    def __init__(self, original: object, rule: "AttachRule", child: str) -> None:
        super().__init__(original)
        self.rule = rule
        self.child = child

    def after(self, module: "ModuleType") -> None:
        package = sys.modules.get(self.rule.key or "")
        if (
            type(package) is ModuleType
            and self.child in self.rule.unresolved  # still pending (a reload binds nothing)
            and package.__dict__.get("__getattr__") is self.rule.getattr_
        ):
            _awaited[id(package)] = self.child
            _module_setattr(package, "__class__", _Binding)


# id(package) -> the submodule name whose binding its _Binding class waits for.
_awaited: dict[int, str] = {}


class _Binding(ModuleType):
    """The class of an attached package between a submodule's body and its binding.

    Only ever for that one ``setattr`` (importlib's, binding the submodule): it puts the plain
    module class back first, so reads of the package are never slowed for longer.

    A race, made benign: another thread may set an attribute of the package inside that window
    (the class is shared by every thread). That ``setattr`` is not the binding, so it is simply
    made, and the class stays switched until the awaited name is set; were it taken for the
    binding, ``notice()`` would run before the submodule is bound and never see it (a function
    named like its submodule would stay shadowed by it).
    """

    def __setattr__(self, name: str, value: object) -> None:
        if _awaited.get(id(self)) != name:
            _module_setattr(self, name, value)
            return
        del _awaited[id(self)]
        _module_setattr(self, "__class__", ModuleType)
        _module_setattr(self, name, value)
        notice = getattr(self.__dict__.get("__getattr__"), "importcraft_notice", None)
        if notice is not None:
            notice()


_module_setattr = ModuleType.__setattr__


def lazy_attach_stub(package_name: str, filename: str) -> "Attach":
    """Like :func:`lazy_attach`, reading what to attach from the package's ``.pyi`` stub.

    In ``pkg/__init__.py``: ``__getattr__, __dir__, __all__ = importcraft.lazy_attach_stub(__name__,
    __file__)``, with ``pkg/__init__.pyi`` holding the imports type checkers and IDEs read::

        from .core import Model, fit
        from .core import Model as BaseModel
        from . import plot
        from .io import *                 # the names in pkg/io's __all__
        from pkg.extras import helper     # absolute imports of the package's own submodules
        __all__ = ["Model", "fit", ...]   # optional: the package's __all__

    Any other statement is refused with ``ValueError`` naming the stub file, the line and the form.
    """
    import os

    stub = filename if filename.endswith(".pyi") else os.path.splitext(filename)[0] + ".pyi"
    try:
        with open(stub, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise ValueError(
            f"lazy_attach_stub({package_name!r}): cannot read the stub {stub!r}: "
            f"{exc.strerror or exc}"
        ) from None
    import ast

    try:
        tree = ast.parse(text, stub)
    except SyntaxError as exc:
        raise ValueError(f"{stub}:{exc.lineno}: the stub is not valid Python: {exc.msg}") from None
    submodules: set[str] = set()
    attrs: dict[str, tuple[str, str | None]] = {}
    all_names: list[str] | None = None
    folder = os.path.dirname(stub)
    for node in tree.body:
        where = f"{stub}:{node.lineno}"
        if isinstance(node, ast.ImportFrom):
            module = _own_submodule(node, package_name)
            if module is None:
                raise ValueError(f"{where}: {_form(node)} is not supported: {_SUPPORTED}")
            for alias in node.names:
                if module == "":  # from . import x [as y]
                    if alias.name == "*":
                        raise ValueError(f"{where}: {_form(node)} is not supported: {_SUPPORTED}")
                    if alias.asname is None:
                        submodules.add(alias.name)
                    else:
                        attrs[alias.asname] = (alias.name, None)
                elif alias.name == "*":
                    for name in _star_names(folder, module, where, package_name):
                        attrs[name] = (module, name)
                else:
                    attrs[alias.asname or alias.name] = (module, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                prefix = package_name + "."
                if not alias.name.startswith(prefix) or alias.asname is not None:
                    raise ValueError(f"{where}: {_form(node)} is not supported: {_SUPPORTED}")
                submodules.add(alias.name[len(prefix) :].split(".")[0])
        elif _is_all(node):
            all_names = _literal_names(node.value, where)  # type: ignore[attr-defined]
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring
        else:
            raise ValueError(
                f"{where}: a {type(node).__name__} statement is not supported in a lazy stub "
                f"(only imports of the package's own submodules, and __all__)"
            )
    return _attach(package_name, submodules, attrs, all_names)


_SUPPORTED = (
    "a lazy stub may hold `from .x import y [as z]`, `from . import x`, `from .x import *` and "
    "absolute imports of the package's own submodules"
)


def _own_submodule(node: "ast.ImportFrom", package_name: str) -> str | None:
    """The submodule (relative dotted name, "" for the package) a from-import reads, if own."""
    if node.level == 1:
        return node.module or ""
    if node.level == 0 and node.module is not None:
        if node.module == package_name:
            return ""
        if node.module.startswith(package_name + "."):
            return node.module[len(package_name) + 1 :]
    return None


def _form(node: "ast.AST") -> str:
    import ast

    return f"`{ast.unparse(node)}`"


def _is_all(node: "ast.AST") -> bool:
    import ast

    return (
        isinstance(node, ast.Assign | ast.AnnAssign)
        and len(targets := (node.targets if isinstance(node, ast.Assign) else [node.target])) == 1
        and isinstance(targets[0], ast.Name)
        and targets[0].id == "__all__"
    )


def _literal_names(value: "ast.expr | None", where: str) -> list[str]:
    import ast

    try:
        names = ast.literal_eval(value) if value is not None else None
    except ValueError:
        names = None
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"{where}: __all__ must be a literal list of strings")
    return list(names)


def _star_names(folder: str, module: str, where: str, package_name: str) -> list[str]:
    """The ``__all__`` of a submodule, read from its source (or stub) without importing it."""
    import ast
    import os

    base = os.path.join(folder, *module.split("."))
    candidates = [base + ".pyi", base + ".py", os.path.join(base, "__init__.pyi")]
    candidates.append(os.path.join(base, "__init__.py"))
    for path in candidates:
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as handle:
                tree = ast.parse(handle.read(), path)
            for node in tree.body:
                if _is_all(node):
                    return _literal_names(node.value, f"{path}:{node.lineno}")  # type: ignore[attr-defined]
            break
    raise ValueError(
        f"{where}: `from .{module} import *` needs {package_name}.{module} to define __all__ "
        "as a literal list of strings, which lazy loading reads without importing it"
    )
