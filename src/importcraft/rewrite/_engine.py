"""transform(): AST transforms applied to modules as they load, with a bytecode cache."""

from __future__ import annotations

import os
import sys
from importlib.machinery import SourceFileLoader
from itertools import count

from ..core import _state
from ..core._errors import ImportcraftWarning
from ..core._loaders import WrappingLoader, decode
from ..core._names import check_module_name
from ..core._router import DECORATE, ORDER_TRANSFORM, Rule, add_rules
from . import _cache

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    import ast
    from collections.abc import Callable, Iterable
    from importlib.machinery import ModuleSpec
    from types import CodeType, ModuleType

# Module name -> what happened to it, for transform_status().
_status: dict[str, str] = {}
_registrations = count(1)
_CACHE_FORMAT = "2"  # 2: modules with provided names check they have them (see _provision)


class TransformInfo:
    """What a transformer is told about the module it transforms."""

    __slots__ = ("filename", "name")

    def __init__(self, name: str, filename: str) -> None:
        self.name = name  #: the module's dotted name
        self.filename = filename  #: the file its source came from

    def __repr__(self) -> str:
        return f"TransformInfo(name={self.name!r}, filename={self.filename!r})"


class source_transformer:
    """Mark a ``(source: str, info) -> str`` function as a source-level transformer.

    Source-level transformers work on text; AST transformers on the tree. Mixed in one
    pipeline, the tree is turned back into text (``ast.unparse``) for a source-level step that
    follows an AST one, which loses the original line numbers: put source-level steps first.
    """

    def __init__(self, function: Callable[[str, TransformInfo], str]) -> None:
        self.function = function
        self.cache_key = getattr(function, "cache_key", None)
        self.__name__ = getattr(function, "__name__", repr(function))
        self.__qualname__ = getattr(function, "__qualname__", self.__name__)
        self.__module__ = getattr(function, "__module__", "")

    def __call__(self, source: str, info: TransformInfo) -> str:
        return self.function(source, info)


def apply(source: str, info: TransformInfo, pipeline: Iterable[object]) -> ast.Module:
    """Run ``source`` through the transformers, in order; the resulting tree has locations.

    An exception raised by a transformer keeps its type and traceback, with a note naming the
    module, the transformer and its place in the pipeline.
    """
    import ast  # here, not at the top: a warm import from the cache never needs it

    steps = tuple(pipeline)
    text: str | None = source
    tree: ast.Module | None = None
    after: object = None  # the source transformer whose text is parsed next, if any
    for number, transformer in enumerate(steps, 1):
        stage = f"step {number} of {len(steps)} of the transform pipeline"
        if isinstance(transformer, source_transformer):
            if text is None:
                assert tree is not None
                text = ast.unparse(tree)
            with _blame(info, transformer, stage):
                text = transformer(text, info)
            if not isinstance(text, str):
                raise TypeError(
                    f"source transformer {_name(transformer)} returned "
                    f"{type(text).__name__} for {info.name!r} ({info.filename}); a source "
                    "transformer must return the module's source text (str)"
                )
            tree = None
            after = transformer
            continue
        if tree is None:
            assert text is not None
            tree = _parse(text, info, after)
            text = None
        with _blame(info, transformer, stage):
            if isinstance(transformer, ast.NodeTransformer):
                result = transformer.visit(tree)
            elif callable(transformer):
                result = transformer(tree, info)
            else:
                raise TypeError(f"{transformer!r} is not a transformer")
        if not isinstance(result, ast.Module):
            raise TypeError(
                f"transformer {_name(transformer)} returned {type(result).__name__} for "
                f"{info.name!r}; a transformer must return the module's ast.Module"
            )
        tree = result
    if tree is None:
        tree = _parse(text or "", info, after)
    return ast.fix_missing_locations(tree)


def _parse(text: str, info: TransformInfo, after: object) -> ast.Module:
    """Parse the module's text; a syntax error made by a source transformer says whose it is."""
    import ast

    if after is None:
        return ast.parse(text, info.filename)
    with _blame(info, after, "parsing the source it returned"):
        return ast.parse(text, info.filename)


def compile_tree(tree: ast.Module, info: TransformInfo, pipeline: Iterable[object]) -> CodeType:
    """Compile the transformed tree; an invalid tree names the transformers that made it."""
    try:
        return compile(tree, info.filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, TypeError) as exc:
        shown = ", ".join(_name(t) for t in pipeline)
        exc.add_note(
            f"importcraft: while compiling module {info.name!r} ({info.filename}) as "
            f"transformed by {shown}: one of them made an invalid tree"
        )
        raise


class _blame:
    """Adds a note naming the module, the transformer and the stage to what a transformer raises."""

    __slots__ = ("info", "stage", "transformer")

    def __init__(self, info: TransformInfo, transformer: object, stage: str) -> None:
        self.info = info
        self.transformer = transformer
        self.stage = stage

    def __enter__(self) -> None:
        pass

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, Exception):
            exc.add_note(
                f"importcraft: raised by transformer {_name(self.transformer)} while "
                f"transforming module {self.info.name!r} ({self.info.filename}), "
                f"{self.stage}"
            )


def _name(transformer: object) -> str:
    """``module.QualifiedName`` of a transformer: a function's own, else its class's.

    Stable across processes (it is part of the cache key): never an object's repr.
    """
    if isinstance(transformer, source_transformer):
        transformer = transformer.function
    is_function = isinstance(transformer, type) or hasattr(transformer, "__code__")
    owner = transformer if is_function else type(transformer)
    module = getattr(owner, "__module__", "") or ""
    qualname = getattr(owner, "__qualname__", None) or type(owner).__qualname__
    return f"{module}.{qualname}" if module else qualname


def transformer_key(transformer: object) -> str | None:
    """A string that changes when the transformer's code does, or None if none can be found.

    The transformer's ``cache_key`` attribute if it has one; otherwise its qualified name and a
    hash of the source of the module that defines it.
    """
    key = getattr(transformer, "cache_key", None)
    if key is not None:
        return f"{_name(transformer)}={key}"
    if isinstance(transformer, source_transformer):
        transformer = transformer.function
    owner = transformer if hasattr(transformer, "__code__") else type(transformer)
    module = sys.modules.get(getattr(owner, "__module__", "") or "")
    filename = getattr(module, "__file__", None)
    loader = getattr(module, "__loader__", None)
    if not filename or loader is None:
        return None
    try:
        data = loader.get_data(filename) if hasattr(loader, "get_data") else None
    except OSError:
        data = None
    if data is None:
        get_source = getattr(loader, "get_source", None)
        text = get_source(module.__name__) if get_source is not None else None  # type: ignore[union-attr]
        if text is None:
            return None
        data = text.encode("utf-8")
    return f"{_name(transformer)}@{_cache.source_hash(data).hex()}"


def pipeline_key(pipeline: Iterable[object]) -> str | None:
    """The cache key of a whole pipeline (16 hex digits), or None if any part has none."""
    parts = [f"importcraft-cache-{_CACHE_FORMAT}", sys.implementation.cache_tag or ""]
    for transformer in pipeline:
        key = transformer_key(transformer)
        if key is None:
            return None
        parts.append(key)
    return _cache.source_hash("\n".join(parts).encode("utf-8")).hex()


class _Pipeline:
    """Transformers applied together, with what each import needs worked out once."""

    __slots__ = (
        "_followed",
        "_key",
        "_key_known",
        "_provided",
        "cache",
        "providers",
        "transformers",
    )

    def __init__(self, transformers: tuple[object, ...], cache: bool) -> None:
        self.transformers = transformers
        self.cache = cache
        # What transformed code calls (a logger, the assertion explainer) is given to each
        # execution rather than baked into the cached code.
        provide = (getattr(t, "module_globals", None) for t in transformers)
        self.providers = tuple(p for p in provide if callable(p))
        self._key: str | None = None
        self._key_known = False
        self._provided: tuple[str, ...] | None = None
        self._followed: dict[_Pipeline, _Pipeline] = {}  # see then()

    def provided(self) -> tuple[str, ...]:
        """The names the providers give each module (worked out when first transforming)."""
        if self._provided is None:
            self._provided = tuple(sorted({n for provide in self.providers for n in provide()}))
        return self._provided

    def key(self) -> str | None:
        """The cache key, computed on first use (a transformer's code does not change while it
        is loaded), or None if the code is not cached."""
        if not self._key_known:
            self._key = pipeline_key(self.transformers) if self.cache else None
            self._key_known = True
        return self._key

    def then(self, other: _Pipeline) -> _Pipeline:
        """This pipeline followed by ``other`` (two hooks over one module), made once."""
        joined = self._followed.get(other)
        if joined is None:
            joined = self._followed[other] = _Pipeline(
                (*self.transformers, *other.transformers), self.cache and other.cache
            )
        return joined


class TransformRule(Rule):
    """Wraps the loader of every module under ``key`` so its code is transformed."""

    __slots__ = ("pipeline",)

    def __init__(self, key: str, pipeline: _Pipeline) -> None:
        # Several transform hooks compose in registration order: their rules sort by it.
        super().__init__(DECORATE, key, order=ORDER_TRANSFORM + next(_registrations) * 1e-9)
        self.pipeline = pipeline

    def decorate(self, spec: ModuleSpec) -> ModuleSpec:
        loader: object = spec.loader
        if type(loader) is not SourceFileLoader:  # the common case needs no questions
            if isinstance(loader, TransformLoader):
                # Another transform hook matched first: this one's transformers come after.
                joined = loader.pipeline.then(self.pipeline)
                spec.loader = TransformLoader(loader.original, joined)  # type: ignore[assignment]
                return spec
            reason = _no_source(spec)
            if reason is not None:
                _status[spec.name] = f"not transformed: {reason}"
                return spec
        spec.loader = TransformLoader(loader, self.pipeline)  # type: ignore[assignment]
        return spec


def _no_source(spec: ModuleSpec) -> str | None:
    """Why a module cannot be transformed (no Python source), or None."""
    loader = spec.loader
    if loader is None:
        return "a namespace package has no code"
    if not callable(getattr(loader, "get_source", None)) and not callable(
        getattr(loader, "get_data", None)
    ):
        return f"its loader ({type(loader).__name__}) gives no source"
    origin = spec.origin or ""
    if spec.has_location and not origin.endswith(".py"):
        kind = "bytecode-only" if origin.endswith(".pyc") else "an extension or other binary"
        return f"{kind} module ({origin})"
    if not spec.has_location and origin in ("built-in", "frozen"):
        return f"a {origin} module"
    return None


class TransformLoader(WrappingLoader):
    """Runs the transformed code of a module; everything else is the original loader's."""

    def __init__(self, original: object, pipeline: _Pipeline) -> None:
        super().__init__(original)
        self.pipeline = pipeline

    def run(self, module: ModuleType) -> None:
        spec = module.__spec__
        assert spec is not None
        code = self._code(spec.name, spec.cached)
        namespace = module.__dict__
        for provide in self.pipeline.providers:
            namespace.update(provide())
        exec(code, namespace)

    def get_code(self, fullname: str) -> CodeType:
        """The transformed code (``runpy``, ``python -m`` and tools ask the loader for it)."""
        return self._code(fullname, None)

    def _code(self, fullname: str, cached: str | None) -> CodeType:
        """The transformed code; ``cached`` is the module's normal bytecode path, if known."""
        original = self.original
        get_filename = getattr(original, "get_filename", None)
        filename = get_filename(fullname) if callable(get_filename) else f"<{fullname}>"
        stat = _stat(original, filename)  # before the source is read: see _cache
        read: list[bytes] = []

        def source() -> bytes:
            if not read:
                raw = _read_file(original, filename) if stat is not None else None
                if raw is None:  # no real file (a virtual module): its loader's text
                    raw = original.get_source(fullname).encode("utf-8")  # type: ignore[attr-defined]
                read.append(raw)
            return read[0]

        pipeline = self.pipeline
        key = pipeline.key()
        path = _cache.cache_path(filename, key, cached) if key and stat is not None else None
        if path is not None:
            code = _cache.read(path, key, stat, source, filename)  # type: ignore[arg-type]
            if code is not None:
                _status[fullname] = f"transformed (from the cache {path})"
                return code
        info = TransformInfo(fullname, filename)
        tree = apply(decode(source()), info, pipeline.transformers)
        if pipeline.providers:
            _provision(tree, pipeline.provided())
        code = compile_tree(tree, info, pipeline.transformers)
        if path is not None and _cache.write(path, key, stat, source(), code):  # type: ignore[arg-type]
            _status[fullname] = f"transformed (cache written: {path})"
        elif not pipeline.cache:
            _status[fullname] = "transformed (cache=False)"
        elif stat is None:
            _status[fullname] = "transformed (not cached: the module is not a file)"
        elif key is None:
            _status[fullname] = (
                "transformed (not cached: a transformer has no cache_key and the source of its "
                "module could not be read)"
            )
        elif sys.dont_write_bytecode and _cache._directory is None:
            _status[fullname] = (
                "transformed (not cached: sys.dont_write_bytecode is set; set "
                f"{_cache.ENV_DIRECTORY} to cache anyway)"
            )
        else:
            _status[fullname] = "transformed (not cached: bytecode cannot be written here)"
        return code


def top_of_module(body: list[ast.stmt]) -> int:
    """Where statements made for a whole module go: after its docstring and ``__future__``
    imports (which must stay first)."""
    import ast

    at = 0
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        at = 1
    while at < len(body) and isinstance(body[at], ast.ImportFrom):
        if body[at].module != "__future__":  # type: ignore[attr-defined]
            break
        at += 1
    return at


def _provision(tree: ast.Module, names: tuple[str, ...]) -> None:
    """Make the module get the names its transformers provide when run without exec_module.

    :meth:`TransformLoader.run` puts them in the module's namespace before its code runs, but
    ``runpy`` (``python -m``, also in the children of ``importcraft run``) asks the loader for the
    code and runs it in a namespace of its own. So the module starts with::

        try:
            NAME                        # the usual case: given by the loader, one lookup
        except NameError:
            from importcraft.rewrite._engine import provide_names as __importcraft_provide__
            __importcraft_provide__()   # reads the module's __spec__
            del __importcraft_provide__
    """
    import ast

    if not names:
        return
    helper = "__importcraft_provide__"
    check = ast.Try(
        body=[ast.Expr(ast.Name(names[0], ast.Load()))],
        handlers=[
            ast.ExceptHandler(
                ast.Name("NameError", ast.Load()),
                None,
                [
                    ast.ImportFrom(__name__, [ast.alias("provide_names", helper)], 0),
                    ast.Expr(ast.Call(ast.Name(helper, ast.Load()), [], [])),
                    ast.Delete([ast.Name(helper, ast.Del())]),
                ],
            )
        ],
        orelse=[],
        finalbody=[],
    )
    for node in ast.walk(check):
        if "lineno" in node._attributes:
            node.lineno = node.end_lineno = 1  # type: ignore[attr-defined]
            node.col_offset = node.end_col_offset = 0  # type: ignore[attr-defined]
    tree.body.insert(top_of_module(tree.body), check)


def provide_names() -> None:
    """Give the calling module the names its transformers provide, found through its
    ``__spec__.loader`` (what transformed code run by ``runpy`` calls: see :func:`_provision`).
    """
    namespace = sys._getframe(1).f_globals
    spec = namespace.get("__spec__")
    loader = getattr(spec, "loader", None)
    while isinstance(loader, WrappingLoader) and not isinstance(loader, TransformLoader):
        loader = loader.original
    if not isinstance(loader, TransformLoader):
        name = namespace.get("__name__")
        raise ImportError(
            f"module {name!r} runs code transformed by importcraft without the transform's "
            f"loader (its __spec__.loader is {loader!r}), so the names its transformers provide "
            "are missing. Import it, or run it with `python -m` or runpy, while the transform "
            "is installed.",
            name=name,
        )
    for provide in loader.pipeline.providers:
        namespace.update(provide())


def _stat(loader: object, filename: str) -> tuple[int, int, int] | None:
    """(mtime_ns, size, st_mode) of a module's real source file, or None if it has none.

    A real file: an absolute ``.py`` path that exists, read through the loader's ``get_data``.
    Only such a module is read from disk, and only it gets a cache beside it.
    """
    get_data = getattr(loader, "get_data", None)
    if not (callable(get_data) and filename.endswith(".py") and os.path.isabs(filename)):
        return None
    try:
        info = os.stat(filename)
    except (OSError, ValueError):
        return None  # not a file (a virtual module's path)
    return (info.st_mtime_ns, info.st_size, info.st_mode)


def _read_file(loader: object, filename: str) -> bytes | None:
    """The bytes of a source file :func:`_stat` found, or None if it has gone since."""
    try:
        data: bytes = loader.get_data(filename)  # type: ignore[attr-defined]
    except OSError:
        return None
    return data


def transform(
    packages: str | Iterable[str], *transformers: object, cache: bool = True
) -> _state.Hook:
    """Apply ``transformers`` to the code of each module in ``packages`` as it loads.

    A module matches a package ``p`` when it is named ``p`` or starts with ``p.`` (never
    ``p2``). A transformer is an ``ast.NodeTransformer`` (its ``visit`` is called), a callable
    ``(tree, info) -> tree`` (``info.name``, ``info.filename``), or a ``(source, info) -> source``
    function marked with :class:`source_transformer`. Transformers, and several ``transform``
    hooks over overlapping packages, apply in registration order. Example::

        class Shout(ast.NodeTransformer):
            def visit_Constant(self, node):
                if isinstance(node.value, str):
                    node.value = node.value.upper()
                return node

        importcraft.transform("greetings", Shout())
        import greetings.english        # its string constants are upper case

    The module keeps its finder's loader for everything but running its code: ``__file__``,
    ``__spec__.origin``, resources, ``inspect.getsource`` and line numbers are the original
    file's. Transformed code is cached (see the cache notes in the docs) unless
    ``cache=False``. Modules with no Python source are left alone; modules imported before the
    hook stay as they were, with an :class:`~importcraft.ImportcraftWarning` naming them.
    """
    names = (packages,) if isinstance(packages, str) else tuple(packages)
    if not names:
        raise TypeError("transform() needs at least one package name")
    for name in names:
        check_module_name(name, "package name")
    if not transformers:
        raise TypeError("transform() needs at least one transformer")
    for transformer in transformers:
        # An ast.NodeTransformer can only exist once ast is loaded: no need to load it here.
        ast = sys.modules.get("ast")
        visitor = ast is not None and isinstance(transformer, ast.NodeTransformer)
        if not (visitor or callable(transformer)):
            raise TypeError(
                f"transform(): {transformer!r} is not a transformer (an ast.NodeTransformer "
                "or a callable)"
            )
    shown = ", ".join(_name(t) for t in transformers)
    description = f"transform({list(names)!r}, {shown})"
    pipeline = _Pipeline(tuple(transformers), cache)
    rules = [TransformRule(name, pipeline) for name in names]
    already = sorted(
        module
        for module in list(sys.modules)
        if any(module == n or module.startswith(n + ".") for n in names)
    )
    hook = add_rules(description, rules)
    if already:
        from ..core._frames import warn_at_user

        shown = ", ".join(map(repr, already[:5]))
        more = f" and {len(already) - 5} more" if len(already) > 5 else ""
        try:
            warn_at_user(
                f"{description} was installed after {shown}{more} had been imported: those "
                "modules are not transformed (reload them, or install the hook before they are "
                "imported; transform_status(name) tells which)",
                ImportcraftWarning,
            )
        except BaseException:
            hook.remove()  # the warning was made an error: registering changes nothing
            raise
        for module in already:
            _status[module] = "not transformed: imported before the transform hook"
    return hook


def transform_status(name: str) -> str:
    """What happened to module ``name`` under the transform hooks, in words.

    For example ``"transformed (from the cache ...)"``, ``"not transformed: an extension or
    other binary module (...)"``, ``"not transformed: imported before the transform hook"``.
    """
    check_module_name(name)
    status = _status.get(name)
    if status is not None:
        return status
    if name in sys.modules:
        return "not transformed: no transform hook matched it when it was imported"
    return "not imported yet"
