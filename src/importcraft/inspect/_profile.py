"""trace(): an import-time profile of the modules loaded while it runs, and their side effects.

How it sees imports: while a trace is active, two rules covering every name sit in the router
(``core/_router.py``). A resolving rule that finds nothing notes when the lookup of a name
started; a decorating rule wraps every loader found in a :class:`_TraceLoader`, which times the
module's creation and body and keeps the stack of modules executing in each thread. Both go
with the trace's Hook: rules covering every name cost every import a trip through the router's
slow path, which is fine only while tracing.

How it sees side effects: an audit hook (``sys.addaudithook``; it cannot be removed, so it is
installed once and returns at once while no trace is active) for what CPython audits (open,
sockets, subprocesses, environment, ``os.chdir``, ``sys.settrace``...), and a comparison of
process state (``sys.path``, signal handlers, ``atexit``, warnings filters, ...) at every module
boundary for the rest. Each is charged to the innermost module executing in the thread where
it happened. ``docs/diagnostics-trace.md`` lists what cannot be seen.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # signal without enum
import os
import sys
from _functools import partial  # type: ignore[import-not-found]  # functools without its imports
from _operator import is_
from _thread import get_ident
from time import perf_counter_ns

from ..core._frames import PACKAGE_FOLDER
from ..core._router import DECORATE, RESOLVE, Rule, add_rules
from ..core._wrapping import WrappingLoader, unwrap

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from importlib.machinery import ModuleSpec
    from types import FrameType, ModuleType, TracebackType
    from typing import Any

    from ..core._state import Hook

SCHEMA = "importcraft-trace/1"

# Between the post-import wrapper (20) and the lazy one (30): a transformed module is timed with
# its transformation and callbacks, and a lazy module when its body runs.
ORDER_TRACE = 25

# The trace collecting now, or None. The audit hook reads it first and returns when it is None.
_ACTIVE: Trace | None = None

# Frames that are the import machinery's or importcraft's, not a module's.
_MACHINERY = ("<frozen ", PACKAGE_FOLDER)

_KINDS = {
    "SourceFileLoader": "source",
    "SourcelessFileLoader": "bytecode",
    "ExtensionFileLoader": "extension",
    "BuiltinImporter": "builtin",
    "FrozenImporter": "frozen",
    "NamespaceLoader": "namespace",
    "_NamespaceLoader": "namespace",
}

# Signals whose handlers are compared at module boundaries (asking for all ~64 would cost more).
_SIGNALS = (
    "SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGCHLD", "SIGPIPE",
    "SIGALRM", "SIGWINCH", "SIGBREAK",
)  # fmt: skip
_SIGNAL_NAMES = tuple(name for name in _SIGNALS if hasattr(_signal, name))
_SIGNAL_NUMBERS = tuple(getattr(_signal, name) for name in _SIGNAL_NAMES)
_getsignal = _signal.getsignal


class ModuleRecord:
    """One module loaded while tracing: where it came from, what it cost, who imported it."""

    __slots__ = (
        "_body",
        "_create_ns",
        "_exec_start",
        "_globals",
        "_pyc_read",
        "_source_read",
        "_start",
        "cached",
        "cached_path",
        "children",
        "cumulative_ns",
        "file",
        "imported_at",
        "kind",
        "loader",
        "name",
        "parent",
        "self_ns",
        "side_effects",
    )

    def __init__(self, name: str, start: int) -> None:
        self.name = name
        self.file: str | None = None
        self.kind = "other"
        self.loader = ""
        self.cached: bool | None = None
        self.cached_path: str | None = None
        self.self_ns = 0
        self.cumulative_ns = 0
        self.parent: str | None = None
        self.imported_at: tuple[str, int] | None = None
        self.children: list[str] = []
        self.side_effects: list[int] = []
        self._start = start
        self._create_ns = 0
        self._exec_start = 0
        self._globals: dict[str, Any] | None = None
        self._pyc_read = False
        self._source_read = False
        self._body = False  # whether its body started (the "exec" audit event)

    def to_dict(self) -> dict[str, Any]:
        at = self.imported_at
        return {
            "name": self.name,
            "file": self.file,
            "kind": self.kind,
            "loader": self.loader,
            "cached": self.cached,
            "self_ns": self.self_ns,
            "cumulative_ns": self.cumulative_ns,
            "parent": self.parent,
            "imported_at": None if at is None else {"file": at[0], "line": at[1]},
            "children": list(self.children),
            "side_effects": list(self.side_effects),
        }

    def __repr__(self) -> str:
        return (
            f"<ModuleRecord {self.name} cumulative={self.cumulative_ns / 1e6:.3f} ms "
            f"self={self.self_ns / 1e6:.3f} ms>"
        )


class SideEffect:
    """Something a module's body did besides defining names, and where."""

    __slots__ = ("data", "detail", "file", "kind", "line", "module")

    def __init__(
        self,
        kind: str,
        module: str | None,
        file: str | None,
        line: int | None,
        detail: str,
        data: dict[str, Any],
    ) -> None:
        self.kind = kind
        self.module = module
        self.file = file
        self.line = line
        self.detail = detail
        self.data = data

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "module": self.module,
            "file": self.file,
            "line": self.line,
            "detail": self.detail,
            "data": self.data,
        }

    def __repr__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"<SideEffect {self.kind} in {self.module} at {where}: {self.detail}>"


class _StartRule(Rule):
    """Resolving rule finding nothing: notes when the lookup of a name started."""

    __slots__ = ("trace",)

    def __init__(self, trace: Trace) -> None:
        super().__init__(RESOLVE, None)
        self.trace = trace

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None
    ) -> ModuleSpec | None:
        self.trace._lookups[fullname] = perf_counter_ns()
        return None


class _TraceRule(Rule):
    """Decorating rule putting a :class:`_TraceLoader` around every loader found."""

    __slots__ = ("trace",)

    def __init__(self, trace: Trace) -> None:
        super().__init__(DECORATE, None, order=ORDER_TRACE)
        self.trace = trace

    def decorate(self, spec: ModuleSpec) -> ModuleSpec:
        trace = self.trace
        start = trace._lookups.pop(spec.name, None) or perf_counter_ns()
        if spec.loader is not None:
            spec.loader = _TraceLoader(spec.loader, trace, start)  # type: ignore[assignment]
        elif spec.submodule_search_locations is not None and _importing():
            trace._namespace(spec, start)
        return spec


def _importing() -> bool:
    """Whether the lookup under way is an import (not a probe such as ``util.find_spec``)."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name == "_find_and_load_unlocked":
            return True
        frame = frame.f_back
    return False


class _TraceLoader(WrappingLoader):
    """Times one module's creation and body, and keeps the stack of executing modules.

    Kept to few calls: it runs for every module loaded while tracing.
    """

    def __init__(self, original: object, trace: Trace, start: int) -> None:
        self.original = original  # WrappingLoader.__init__'s work, without the call
        self.trace = trace
        self.start = start
        self.record: ModuleRecord | None = None

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        record = self.record = self.trace._begin(spec, self.original, self.start)
        try:
            return super().create_module(spec)
        finally:
            record._create_ns = perf_counter_ns() - record._start

    def load(self, module: ModuleType) -> None:
        # Runs for every module loaded while tracing: the work at both boundaries (before the
        # body, after it) is written out here, and the process state is compared in one C
        # comparison, _boundary only called when something changed.
        record = self.record
        trace = self.trace
        if record is None or trace is not _ACTIVE:
            super().load(module)
            return
        ident = get_ident()
        stack = trace._stacks.get(ident)
        if stack is None:
            stack = trace._stacks[ident] = []
        state = _snapshot()
        if state != trace._state:
            trace._boundary(stack[-1] if stack else None, state)
        elif trace._calls:
            trace._calls.clear()
        namespace = record._globals = vars(module)
        stack.append(record)
        record._exec_start = perf_counter_ns()
        try:
            try:
                self.original.exec_module(module)  # type: ignore[attr-defined]
            finally:
                end = perf_counter_ns()
                stack = trace._stacks[ident]
                if stack and stack[-1] is record:
                    stack.pop()
                record.cumulative_ns = record._create_ns + end - record._exec_start
                if record.kind == "source":
                    record.cached = record._pyc_read and not record._source_read
                state = _snapshot()
                if state != trace._state:
                    trace._boundary(record, state)
                elif trace._calls:
                    trace._calls.clear()
                trace._patches(record)
                if record.name in _BY_MODULE:
                    trace._wrap(record.name)
        finally:
            self.restore(module)
        # Once the loader is the original again (that change is no monkey-patch): what the
        # module holds now, to tell later when another module rebinds it.
        trace._baseline[module.__name__] = (tuple(namespace), list(namespace.values()))

    def restore(self, module: ModuleType) -> None:
        # The usual case written out: this wrapper is the module's loader, in its spec too,
        # and the module is the one in sys.modules. Anything else: the general restore.
        namespace = vars(module)
        spec = namespace.get("__spec__")
        if (
            spec is not None
            and namespace.get("__loader__") is self
            and spec.loader is self
            and sys.modules.get(spec.name) is module
        ):
            original = self.original
            if isinstance(original, WrappingLoader):
                original = unwrap(original)
            module.__loader__ = original
            spec.loader = original
            return
        super().restore(module)


_is_module = type(sys).__instancecheck__


def _import_site() -> tuple[str, int] | None:
    """From ``Trace._begin`` (under our ``create_module``): file and line of the import.

    That is the first frame outside importlib and importcraft above the frame that asked for
    the import (for ``importlib.import_module(...)``, the line calling it). Frame objects are
    made as ``f_back`` reaches them, so instead of walking the five frames of importlib's
    ``_find_and_load`` (3.11 to 3.13: ``_find_and_load`` -> ``_find_and_load_unlocked`` ->
    ``_load_unlocked`` -> ``module_from_spec`` -> ``create_module``), jump there and check;
    walk when the shape differs.
    """
    # Each frame.f_code is an audit event (a call of the trace's hook): read once per frame.
    frame: FrameType | None
    try:
        asked = sys._getframe(6)
    except ValueError:
        frame = sys._getframe(2)
    else:
        frame = asked.f_back if asked.f_code.co_name == "_find_and_load" else sys._getframe(2)
    skipped: tuple[str, ...] = _MACHINERY
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(skipped):
            if skipped is _MACHINERY and filename.startswith(_IMPORTLIB):
                # importlib.import_module and friends: the caller's line is the import
                skipped = _IMPORTLIB_OR_MACHINERY
            else:
                return filename, frame.f_lineno
        frame = frame.f_back
    return None


_IMPORTLIB = os.path.join(os.path.dirname(os.path.abspath(os.__file__)), "importlib") + os.sep
_IMPORTLIB_OR_MACHINERY = (_IMPORTLIB, *_MACHINERY)


class _Stdio:
    """Stands for ``sys.stdout`` or ``sys.stderr`` while tracing, noting writes by module."""

    def __init__(self, stream: Any, name: str, trace: Trace) -> None:
        self._stream = stream
        self._name = name
        self._trace = trace

    def write(self, text: str) -> int:
        trace = self._trace
        if trace is _ACTIVE and text:
            trace._output(self._name, text)
        return self._stream.write(text)  # type: ignore[no-any-return]

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class Trace:
    """What was imported while the trace ran, what each import cost, and what it did.

    Made by :func:`trace`. ``modules`` lists a :class:`ModuleRecord` per module loaded, in the
    order their loading started; ``side_effects`` the :class:`SideEffect` seen; ``to_dict()`` is
    the JSON-ready form (schema ``importcraft-trace/1``, see ``docs/diagnostics-trace.md``) and
    ``str()`` the text report of the top 25 modules (``report(top=N)`` for another number).
    """

    def __init__(self) -> None:
        self.modules: list[ModuleRecord] = []
        self.side_effects: list[SideEffect] = []
        self.argv: list[str] = []
        self.started = ""
        self.total_ns = 0
        self._lookups: dict[str, int] = {}
        self._stacks: dict[int, list[ModuleRecord]] = {}
        self._t0 = 0
        self._hook: Hook | None = None
        self._state: tuple[Any, ...] = ()
        # module name -> (attribute names, values): what a module held when last looked at
        self._baseline: dict[str, tuple[tuple[str, ...], list[Any]]] = {}
        self._outputs: dict[tuple[int, str], SideEffect] = {}
        self._stdio: list[_Stdio] = []
        # kind -> (module running, file, line) of the last call of a wrapped function
        self._calls: dict[str, tuple[ModuleRecord, str, int]] = {}
        self._wrapped: list[tuple[object, str, Any]] = []  # (owner, attribute, original)
        # Why the traced program died of a circular import, when it did (importcraft trace
        # sets it): {"text": the explanation, "explanation": its to_dict()}.
        self.cycle: dict[str, Any] | None = None

    # -- starting and stopping -----------------------------------------------------------------

    def start(self) -> Trace:
        """Start collecting (what ``with trace()`` does)."""
        global _ACTIVE
        if _ACTIVE is not None:
            raise RuntimeError(
                "importcraft.trace(): another trace is already active in this process; "
                "traces do not nest: stop the first one before starting another"
            )
        if self._hook is not None or self.started:
            raise RuntimeError("importcraft.trace(): this trace already ran; make a new one")
        import time

        _install_audit_hook()
        self.started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self._hook = add_rules("importcraft.trace()", [_StartRule(self), _TraceRule(self)])
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if stream is not None:
                wrapper = _Stdio(stream, name, self)
                self._stdio.append(wrapper)
                setattr(sys, name, wrapper)
        for module_name in _BY_MODULE:
            self._wrap(module_name)
        # Only modules: sys.modules may hold other objects; sys's own changes are state kinds.
        self._baseline = {
            name: (tuple(vars(module)), list(vars(module).values()))
            for name, module in list(sys.modules.items())
            if type(module) is type(sys)
        }
        self._state = _snapshot()
        self._t0 = perf_counter_ns()
        _ACTIVE = self
        _aim_audit_hook(True)
        return self

    def stop(self) -> None:
        """Stop collecting; the records stay. Stopping twice does nothing."""
        global _ACTIVE
        if _ACTIVE is not self:
            return
        _ACTIVE = None
        _aim_audit_hook(False)
        self.total_ns = perf_counter_ns() - self._t0
        for wrapper in self._stdio:
            if getattr(sys, wrapper._name) is wrapper:
                setattr(sys, wrapper._name, wrapper._stream)
        self._stdio = []
        for owner, attribute, original in reversed(self._wrapped):
            if _is_noter(getattr(owner, attribute, None)):
                setattr(owner, attribute, original)
        self._wrapped = []
        if self._hook is not None:
            self._hook.remove()
        self._baseline = {}
        self._lookups = {}

    def __enter__(self) -> Trace:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- collecting ----------------------------------------------------------------------------

    def _begin(self, spec: ModuleSpec, loader: object, start: int) -> ModuleRecord:
        record = ModuleRecord(spec.name, start)
        if isinstance(loader, WrappingLoader):
            loader = unwrap(loader)
        record.loader = loader.__name__ if isinstance(loader, type) else type(loader).__name__
        record.kind = _KINDS.get(record.loader, "other")
        if spec.origin is not None and spec.has_location:
            record.file = spec.origin
        if record.kind == "source":
            record.cached_path = spec.cached
        stack = self._stacks.get(get_ident())
        if stack:
            parent = stack[-1]
            record.parent = parent.name
            parent.children.append(record.name)
        record.imported_at = _import_site()
        self.modules.append(record)
        return record

    def _namespace(self, spec: ModuleSpec, start: int) -> None:
        record = self._begin(spec, None, start)
        record.kind, record.loader = "namespace", "NamespaceLoader"
        record.cumulative_ns = record.self_ns = perf_counter_ns() - start

    def _boundary(self, record: ModuleRecord | None, state: tuple[Any, ...]) -> None:
        """The process state differs from the last boundary's: charge the changes to ``record``.

        Called (from ``_TraceLoader.load``) only when ``state``, just read, differs from the
        state kept: the usual case, nothing changed, costs one comparison there.
        """
        old = self._state
        self._state = state
        if record is not None:
            for (kind, describe), before, after in zip(_STATE_KINDS, old, state, strict=True):
                if before != after and before is not _ABSENT and after is not _ABSENT:
                    described = describe(before, after)
                    if described is not None:
                        noted = self._calls.get(kind)
                        where = noted[1:] if noted is not None and noted[0] is record else None
                        self._add(kind, record, None, *described, where=where)
        self._calls.clear()

    def _patches(self, record: ModuleRecord) -> None:
        """Attributes of modules ``record``'s body refers to, rebound since last seen."""
        module_type = type(sys)
        baseline = self._baseline
        # filter() with a C predicate: no Python step per global that is not a module.
        for value in list(filter(_is_module, record._globals.values())):  # type: ignore[union-attr]
            name = getattr(value, "__name__", None)
            base = baseline.get(name)  # type: ignore[arg-type]
            if base is None or name == record.name or name == "sys":
                continue
            current = vars(value)
            # A list: list(dict.values()) is made faster than a tuple (os: 421 values, compared
            # at the end of every module importing it).
            values = list(current.values())
            try:
                # One C comparison, element by element by identity first (an __eq__ runs only
                # for a rebound attribute): the usual case, nothing changed.
                if values == base[1]:
                    continue
            except Exception:  # an __eq__ that raises: compare one by one below
                pass
            baseline[name] = (tuple(current), values)  # type: ignore[index]
            for key, old in zip(*base, strict=True):
                if key[0] == "_":
                    continue
                new = current.get(key, old)
                if new is old:
                    continue
                if _is_noter(new) or _is_noter(old):
                    continue  # the trace's own wrapper (see _LINE_NOTERS)
                if type(new) is module_type and getattr(new, "__name__", "") == f"{name}.{key}":
                    continue  # a submodule, bound by the import system
                self._add(
                    "monkeypatch",
                    record,
                    None,
                    f"{name}.{key} rebound to {_short(new)}",
                    {"target": f"{name}.{key}", "new": _short(new), "old": _short(old)},
                )

    def _add(
        self,
        kind: str,
        record: ModuleRecord | None,
        frame: FrameType | None,
        detail: str,
        data: dict[str, Any],
        where: tuple[str, int] | None = None,
    ) -> SideEffect:
        file = line = None
        if where is not None:
            file, line = where
        elif record is not None:
            file = record.file
            module_globals = record._globals
            while frame is not None and frame.f_globals is not module_globals:
                frame = frame.f_back
            if frame is not None:
                file, line = frame.f_code.co_filename, frame.f_lineno
        effect = SideEffect(kind, record.name if record else None, file, line, detail, data)
        index = len(self.side_effects)
        self.side_effects.append(effect)
        if record is not None:
            record.side_effects.append(index)
        return effect

    def _wrap(self, module_name: str) -> None:
        """Wrap the function of ``module_name`` that _LINE_NOTERS names, if it is there."""
        owner: Any = sys.modules.get(module_name)
        path, kind = _BY_MODULE[module_name]
        for attribute in path[:-1]:
            owner = getattr(owner, attribute, None)
        original = getattr(owner, path[-1], None)
        if original is None or not callable(original) or _is_noter(original):
            return
        setattr(owner, path[-1], _line_noter(kind, original))
        self._wrapped.append((owner, path[-1], original))

    def _note_call(self, kind: str, frame: FrameType | None) -> None:
        record = self._current()
        if record is None:
            return
        module_globals = record._globals
        while frame is not None and frame.f_globals is not module_globals:
            frame = frame.f_back
        if frame is not None:
            self._calls[kind] = (record, frame.f_code.co_filename, frame.f_lineno)

    def _current(self) -> ModuleRecord | None:
        stack = self._stacks.get(get_ident())
        return stack[-1] if stack else None

    def _output(self, stream: str, text: str) -> None:
        record = self._current()
        if record is None:
            return
        key = (id(record), stream)
        effect = self._outputs.get(key)
        if effect is None:
            effect = self._outputs[key] = self._add(
                stream, record, sys._getframe(2), "", {"writes": 0, "chars": 0}
            )
        effect.data["writes"] += 1
        effect.data["chars"] += len(text)
        effect.detail = (
            f"{effect.data['writes']} write(s) to sys.{stream}, {effect.data['chars']} characters"
        )

    def _audit(self, event: str, args: tuple[Any, ...]) -> None:
        stack = self._stacks.get(get_ident())
        if not stack:
            return
        record = stack[-1]
        if event == "exec":
            # The first exec under a module's loader is its body (importlib's exec_module).
            record._body = True
            return
        if event == "open" and not record._body:
            # Before the body: the loader reading the module. The usual case, told without
            # looking at frames (each frame.f_code is an audit event of its own).
            path = args[0]
            if path == record.cached_path:
                record._pyc_read = True
                return
            if path == record.file:
                record._source_read = True
                return
        handler = _AUDIT_EVENTS[event]
        frame = sys._getframe(2)
        if event == "open" and frame.f_code.co_filename.startswith(_MACHINERY):
            # The import system reading a module: was it the bytecode cache or the source?
            path = args[0]
            if path == record.cached_path:
                record._pyc_read = True
            elif path == record.file:
                record._source_read = True
            return
        if frame.f_code.co_filename.startswith(PACKAGE_FOLDER):
            return  # importcraft's own work (its bytecode cache), not the module's
        kind, detail, data = handler(args)
        self._add(kind, record, frame, detail, data)

    # -- reports -------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The trace as JSON-ready data, schema ``importcraft-trace/1``."""
        import platform

        self._finish()
        return {
            "schema": SCHEMA,
            "python": platform.python_version(),
            "implementation": sys.implementation.name,
            "argv": list(self.argv),
            "started": self.started,
            "total_ns": self.total_ns,
            "modules": [record.to_dict() for record in self.modules],
            "side_effects": [effect.to_dict() for effect in self.side_effects],
            "cycle": self.cycle,
        }

    def write_json(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`to_dict` to ``path`` as JSON."""
        import json

        with open(path, "w", encoding="utf-8") as handle:
            json.dump(self.to_dict(), handle, indent=1)
            handle.write("\n")

    def write_html(self, path: str | os.PathLike[str]) -> None:
        """Write the offline HTML report of this trace (see docs/diagnostics-report.md)."""
        from ._report import write_html

        write_html(self.to_dict(), os.fspath(path))

    def _finish(self) -> None:
        """Self times: each module's cumulative time less its children's."""
        by_name = {record.name: record for record in self.modules}
        for record in self.modules:
            children = sum(
                by_name[child].cumulative_ns for child in record.children if child in by_name
            )
            record.self_ns = max(record.cumulative_ns - children, 0)

    def report(self, top: int = 25) -> str:
        """The text report: the ``top`` modules by cumulative time, side effects, totals."""
        self._finish()
        return format_report(self.to_dict(), top=top)

    def __str__(self) -> str:
        return self.report()

    def __repr__(self) -> str:
        state = "active" if _ACTIVE is self else "stopped"
        return (
            f"<importcraft Trace ({state}): {len(self.modules)} module(s), "
            f"{len(self.side_effects)} side effect(s)>"
        )


def trace() -> Trace:
    """Profile the imports made in a ``with`` block, and what their modules' bodies did.

    ::

        with importcraft.trace() as t:
            import myapp
        print(t)                      # the text report (t.report(top=50) for more rows)
        t.write_json("imports.json")  # schema importcraft-trace/1

    Each module loaded in the block gets its file, loader, whether its bytecode came from the
    cache, its self and cumulative time, the module that imported it and the line of that
    import statement, and its children. Side effects (files opened, sockets, subprocesses,
    threads, environment changes, changed ``sys.path``/signal handlers/..., output written,
    attributes of other modules rebound) are charged to the innermost module executing. Modules
    imported before the block are not reported. Traces do not nest.
    """
    return Trace()


CHILDREN_ENV = "IMPORTCRAFT_TRACE_CHILDREN"


def trace_until_exit(json_file: str | None) -> Trace:
    """Trace this interpreter's imports until it exits (``importcraft trace --children``).

    At exit the report goes to stderr and, with ``json_file``, the trace to ``json_file``
    with ``.PID`` put before its suffix (one file per process).
    """
    profile = Trace()
    profile.start()

    def report() -> None:
        profile.stop()
        profile.argv = list(sys.argv)
        sys.stderr.write(f"[pid {os.getpid()}: {' '.join(sys.argv)}] {profile.report()}\n")
        if json_file is not None:
            stem, suffix = os.path.splitext(json_file)
            profile.write_json(f"{stem}.{os.getpid()}{suffix or '.json'}")

    import atexit

    atexit.register(report)
    return profile


# -- the audit hook ---------------------------------------------------------------------------


def _audit_hook(event: str, args: tuple[Any, ...]) -> None:
    if event in _HOOKED:  # most events are not side effects: one lookup
        trace = _ACTIVE
        if trace is not None:
            trace._audit(event, args)


# The hook given to sys.addaudithook, once: a functools.partial whose function is swapped in
# place (partial.__setstate__): operator.is_ while no trace runs, a C call that does nothing
# and never raises, so an idle hook costs no Python frame; _audit_hook while one does. Both
# functions stay referenced by their modules, so a call under way keeps a live function.
_HOOK: Any = None


def _install_audit_hook() -> None:
    global _HOOK
    if _HOOK is None:
        _HOOK = partial(is_)
        sys.addaudithook(_HOOK)


def _aim_audit_hook(active: bool) -> None:
    _HOOK.__setstate__((_audit_hook if active else is_, (), None, None))


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return os.fsdecode(value)
    return str(value)


def _short(value: object, limit: int = 80) -> str:
    try:
        text = getattr(value, "__qualname__", None)
        module = getattr(value, "__module__", None)
        if isinstance(text, str):
            text = f"{module}.{text}" if isinstance(module, str) else text
        else:
            text = repr(value)
    except Exception:
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


def _on_open(args: tuple[Any, ...]) -> tuple[str, str, dict[str, Any]]:
    path, mode, flags = (*args, None, None)[:3]
    if isinstance(mode, str):
        writes = any(c in mode for c in "wax+")
    else:
        writes = bool((flags or 0) & _WRITE_FLAGS)
        mode = None
    shown = _text(path) if not isinstance(path, int) else f"fd {path}"
    kind = "write_file" if writes else "open"
    data = {"path": shown, "mode": mode, "writes": writes}
    return kind, f"open({shown!r}, {mode!r})" if mode else f"os.open({shown!r})", data


def _on_subprocess(event: str) -> Callable[[tuple[Any, ...]], tuple[str, str, dict[str, Any]]]:
    def handle(args: tuple[Any, ...]) -> tuple[str, str, dict[str, Any]]:
        if event == "subprocess.Popen":
            command = args[1] if len(args) > 1 else args[0]
        else:
            command = args[0] if event == "os.system" else args[:2]
        if isinstance(command, list | tuple):
            shown = " ".join(_text(part) for part in command)
        else:
            shown = _text(command)
        return "subprocess", f"{event}: {shown}", {"event": event, "command": shown}

    return handle


def _on_socket(args: tuple[Any, ...]) -> tuple[str, str, dict[str, Any]]:
    family, kind = args[1:3] if len(args) >= 3 else (None, None)
    return "socket", f"socket(family={family}, type={kind})", {"family": family, "type": kind}


def _on_address(kind: str) -> Callable[[tuple[Any, ...]], tuple[str, str, dict[str, Any]]]:
    def handle(args: tuple[Any, ...]) -> tuple[str, str, dict[str, Any]]:
        address = args[1] if len(args) > 1 else None
        shown = _text(address) if not isinstance(address, tuple) else repr(address)
        return kind, f"socket {kind} {shown}", {"address": shown}

    return handle


def _on_dns(args: tuple[Any, ...]) -> tuple[str, str, dict[str, Any]]:
    host = _text(args[0]) if args else ""
    return "dns", f"DNS look-up of {host!r}", {"host": host}


def _on_putenv(args: tuple[Any, ...]) -> tuple[str, str, dict[str, Any]]:
    key, value = _text(args[0]), _text(args[1])
    return "env_set", f"os.environ[{key!r}] = {value!r}", {"name": key, "value": value}


def _on_unsetenv(args: tuple[Any, ...]) -> tuple[str, str, dict[str, Any]]:
    key = _text(args[0])
    return "env_unset", f"del os.environ[{key!r}]", {"name": key}


def _on_chdir(args: tuple[Any, ...]) -> tuple[str, str, dict[str, Any]]:
    path = _text(args[0])
    return "chdir", f"os.chdir({path!r})", {"path": path}


def _on_thread(args: tuple[Any, ...]) -> tuple[str, str, dict[str, Any]]:
    function = args[0] if args else None
    # threading.Thread.start: the function is the thread's bound _bootstrap; name the thread
    # (its name says its target's: "Thread-1 (serve)").
    thread = getattr(function, "__self__", None)
    name = getattr(thread, "name", None)
    target = name if isinstance(name, str) else _short(function)
    return "thread", f"thread started: {target}", {"target": target}


def _on_call(kind: str) -> Callable[[tuple[Any, ...]], tuple[str, str, dict[str, Any]]]:
    def handle(args: tuple[Any, ...]) -> tuple[str, str, dict[str, Any]]:
        return kind, f"sys.{kind}() called", {}

    return handle


_AUDIT_EVENTS: dict[str, Callable[[tuple[Any, ...]], tuple[str, str, dict[str, Any]]]] = {
    "open": _on_open,
    "subprocess.Popen": _on_subprocess("subprocess.Popen"),
    "os.system": _on_subprocess("os.system"),
    "os.exec": _on_subprocess("os.exec"),
    "os.posix_spawn": _on_subprocess("os.posix_spawn"),
    "os.spawn": _on_subprocess("os.spawn"),
    "socket.__new__": _on_socket,
    "socket.connect": _on_address("connect"),
    "socket.bind": _on_address("bind"),
    "socket.getaddrinfo": _on_dns,
    "socket.gethostbyname": _on_dns,
    "socket.gethostbyname_ex": _on_dns,
    "socket.gethostbyaddr": _on_dns,
    "os.putenv": _on_putenv,
    "os.unsetenv": _on_unsetenv,
    "os.chdir": _on_chdir,
    "sys.settrace": _on_call("settrace"),
    "sys.setprofile": _on_call("setprofile"),
    "_thread.start_new_thread": _on_thread,  # audited from 3.13 (as start_joinable_thread)
    "_thread.start_joinable_thread": _on_thread,
}

# The events the hook passes on: the side effects, and "exec" (a module's body starting).
_HOOKED = frozenset((*_AUDIT_EVENTS, "exec"))

# -- line numbers for changes of state ----------------------------------------------------------

# Functions that change state compared at boundaries, wrapped while tracing so that the change
# gets the line that made it: (module, attribute path, kind). The comparison still decides
# whether anything changed; a call only says where.
_LINE_NOTERS = (
    ("signal", ("signal",), "signal"),
    ("atexit", ("register",), "atexit"),
    ("sys", ("setrecursionlimit",), "recursionlimit"),
    ("warnings", ("_add_filter",), "warnings_filter"),
    ("logging", ("Logger", "addHandler"), "logging_handler"),
    ("socket", ("setdefaulttimeout",), "socket_timeout"),
)
_BY_MODULE = {module: (path, kind) for module, path, kind in _LINE_NOTERS}


def _line_noter(kind: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def noting(*args: Any, **kwargs: Any) -> Any:
        trace = _ACTIVE
        if trace is not None:
            trace._note_call(kind, sys._getframe(1))
        return original(*args, **kwargs)

    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
        try:
            setattr(noting, attribute, getattr(original, attribute))
        except (AttributeError, TypeError):
            pass
    noting.__wrapped__ = original  # type: ignore[attr-defined]
    noting._importcraft_trace = True  # type: ignore[attr-defined]
    return noting


def _is_noter(value: object) -> bool:
    return getattr(value, "_importcraft_trace", False) is True and callable(value)


# -- the state compared at module boundaries ----------------------------------------------------


def _snapshot() -> tuple[Any, ...]:
    modules = sys.modules
    # _signal is loaded at start-up by every interpreter; the handlers by number, then named
    # when a change is described.
    handlers = tuple(map(_getsignal, _SIGNAL_NUMBERS))
    # Modules may be partly initialised here (a boundary inside their own import): getattr.
    ncallbacks = getattr(modules.get("atexit"), "_ncallbacks", None)
    filters = getattr(modules.get("warnings"), "filters", None)
    root = getattr(modules.get("logging"), "root", None)
    # socket.py's, bound once _socket is fully initialised (calling into an extension module
    # still being initialised crashes).
    timeout = getattr(modules.get("socket"), "getdefaulttimeout", None)
    active = getattr(modules.get("threading"), "_active", None) if _THREAD_DIFF else None
    # _ABSENT: the module keeping that state is not loaded (yet); its arrival is no change.
    return (
        tuple(sys.path),
        tuple(sys.meta_path),
        tuple(sys.path_hooks),
        handlers,
        ncallbacks() if ncallbacks is not None else _ABSENT,
        tuple(filters) if filters is not None else _ABSENT,
        tuple(getattr(root, "handlers", ())) if root is not None else _ABSENT,
        sys.getrecursionlimit(),
        sys.excepthook,
        timeout() if timeout is not None else _ABSENT,
        tuple(active) if active is not None else _ABSENT,
    )


_ABSENT = "<not loaded>"


# From 3.12 starting a thread is audited (_thread.start_new_thread, from 3.13
# _thread.start_joinable_thread): no comparison needed.
_THREAD_DIFF = sys.version_info < (3, 12)


def _list_change(what: str) -> Callable[[Any, Any], tuple[str, dict[str, Any]]]:
    def describe(before: tuple[Any, ...], after: tuple[Any, ...]) -> tuple[str, dict[str, Any]]:
        added = [_short(item, 200) for item in after if item not in before]
        removed = [_short(item, 200) for item in before if item not in after]
        parts = [f"+{item}" for item in added] + [f"-{item}" for item in removed]
        detail = f"{what} changed: {', '.join(parts) if parts else 'reordered'}"
        return detail, {"added": added, "removed": removed}

    return describe


def _signals(before: Any, after: Any) -> tuple[str, dict[str, Any]]:
    changed = {
        name: _short(new)
        for name, old, new in zip(_SIGNAL_NAMES, before, after, strict=True)
        if old is not new
    }
    shown = ", ".join(f"{name} -> {handler}" for name, handler in changed.items())
    return f"signal handler installed: {shown}", {"signals": changed}


def _count(what: str) -> Callable[[Any, Any], tuple[str, dict[str, Any]]]:
    def describe(before: Any, after: Any) -> tuple[str, dict[str, Any]]:
        return f"{what}: {before} -> {after}", {"before": before, "after": after}

    return describe


def _value(what: str) -> Callable[[Any, Any], tuple[str, dict[str, Any]]]:
    def describe(before: Any, after: Any) -> tuple[str, dict[str, Any]]:
        return f"{what} set to {_short(after)}", {"before": _short(before), "after": _short(after)}

    return describe


def _handlers(before: Any, after: Any) -> tuple[str, dict[str, Any]]:
    added = [_short(type(h)) for h in after if h not in before]
    removed = [_short(type(h)) for h in before if h not in after]
    shown = ", ".join([*(f"+{h}" for h in added), *(f"-{h}" for h in removed)])
    return f"root logger handlers changed: {shown}", {"added": added, "removed": removed}


def _threads(before: Any, after: Any) -> tuple[str, dict[str, Any]] | None:
    # The thread comparing is no new thread (importing threading registers it).
    new = [ident for ident in after if ident not in before and ident != get_ident()]
    if not new:
        return None
    threading = sys.modules["threading"]
    names = [getattr(threading._active.get(ident), "name", str(ident)) for ident in new]
    return f"thread(s) started and still running: {', '.join(names)}", {"threads": names}


_STATE_KINDS: tuple[tuple[str, Callable[[Any, Any], tuple[str, dict[str, Any]] | None]], ...] = (
    ("sys_path", _list_change("sys.path")),
    ("meta_path", _list_change("sys.meta_path")),
    ("path_hooks", _list_change("sys.path_hooks")),
    ("signal", _signals),
    ("atexit", _count("atexit callbacks")),
    ("warnings_filter", _list_change("warnings.filters")),
    ("logging_handler", _handlers),
    ("recursionlimit", _count("sys.setrecursionlimit")),
    ("excepthook", _value("sys.excepthook")),
    ("socket_timeout", _count("socket default timeout")),
    ("thread", _threads),
)


# -- the text report ----------------------------------------------------------------------------


def _ms(ns: int) -> str:
    return f"{ns / 1e6:8.2f}"


def format_report(data: dict[str, Any], top: int = 25) -> str:
    """The text report of a trace given as :meth:`Trace.to_dict` data."""
    modules: list[dict[str, Any]] = data["modules"]
    effects: list[dict[str, Any]] = data["side_effects"]
    by_name = {m["name"]: m for m in modules}
    ranked = sorted(modules, key=lambda m: m["cumulative_ns"], reverse=True)[: max(top, 0)]
    shown: set[str] = set()
    for module in ranked:  # each module shown comes with the chain that imported it
        name: str | None = module["name"]
        while name is not None and name not in shown and name in by_name:
            shown.add(name)
            name = by_name[name]["parent"]
    lines = [
        f"importcraft trace: {len(modules)} module(s) imported in "
        f"{data['total_ns'] / 1e6:.1f} ms, {len(effects)} side effect(s)",
        "",
        "cumul. ms   self ms  module  [side effects]",
    ]

    def markers(module: dict[str, Any]) -> str:
        kinds: dict[str, int] = {}
        for index in module["side_effects"]:
            kind = effects[index]["kind"]
            kinds[kind] = kinds.get(kind, 0) + 1
        if not kinds:
            return ""
        return "  [" + ", ".join(k if n == 1 else f"{k} x{n}" for k, n in kinds.items()) + "]"

    printed: set[int] = set()

    def walk(module: dict[str, Any], depth: int) -> None:
        if id(module) in printed:  # a name loaded twice in one trace: each record once
            return
        printed.add(id(module))
        cached = "" if module["cached"] is not False else "  (no cached bytecode)"
        lines.append(
            f"{_ms(module['cumulative_ns'])}  {_ms(module['self_ns'])}  "
            f"{'  ' * depth}{module['name']}{markers(module)}{cached}"
        )
        for child in module["children"]:
            if child in shown:
                walk(by_name[child], depth + 1)

    for module in modules:
        if module["name"] in shown and (
            module["parent"] is None or module["parent"] not in by_name
        ):
            walk(module, 0)
    hidden = len(modules) - len(shown)
    if hidden > 0:
        lines.append(f"  ... {hidden} more module(s) (--top N to show more)")
    if effects:
        lines += ["", "side effects:"]
        groups: dict[str, list[dict[str, Any]]] = {}
        for effect in effects:
            groups.setdefault(effect["kind"], []).append(effect)
        for kind, group in groups.items():
            lines.append(f"  {kind} ({len(group)}):")
            for effect in group:
                where = effect["file"] or "?"
                if effect["line"] is not None:
                    where += f":{effect['line']}"
                lines.append(f"    {effect['module']} ({where}): {effect['detail']}")
    packages: dict[str, int] = {}
    for module in modules:
        top_name = module["name"].partition(".")[0]
        packages[top_name] = packages.get(top_name, 0) + module["self_ns"]
    heaviest = sorted(packages.items(), key=lambda item: item[1], reverse=True)[:10]
    in_top = sum(ns for _, ns in heaviest)
    total = sum(m["self_ns"] for m in modules)
    lines += [
        "",
        f"totals: {len(modules)} module(s), {total / 1e6:.1f} ms of import time "
        f"({data['total_ns'] / 1e6:.1f} ms wall); top 10 packages {in_top / 1e6:.1f} ms: "
        + ", ".join(f"{name} {ns / 1e6:.1f}" for name, ns in heaviest),
    ]
    return "\n".join(lines)


# -- comparing two traces -----------------------------------------------------------------------


def compare(
    old: dict[str, Any],
    new: dict[str, Any],
    *,
    max_ms: float | None = None,
    max_new_modules: int | None = None,
) -> tuple[str, bool]:
    """What changed from trace ``old`` to ``new`` (``to_dict()`` data): the text, and whether a
    threshold was passed (the total import time grew by more than ``max_ms`` milliseconds, or
    more than ``max_new_modules`` modules are new)."""
    for data, which in ((old, "OLD"), (new, "NEW")):
        if data.get("schema") != SCHEMA:
            raise ValueError(
                f"{which} is not an importcraft trace (schema {data.get('schema')!r}, "
                f"expected {SCHEMA!r}): write one with `importcraft trace --json FILE`"
            )
    old_by = {m["name"]: m for m in old["modules"]}
    new_by = {m["name"]: m for m in new["modules"]}

    def total(data: dict[str, Any]) -> int:
        names = {m["name"] for m in data["modules"]}
        return sum(
            m["cumulative_ns"]
            for m in data["modules"]
            if m["parent"] is None or m["parent"] not in names
        )

    old_total, new_total = total(old), total(new)
    grew_ms = (new_total - old_total) / 1e6
    added = [name for name in new_by if name not in old_by]
    slower = sorted(
        (
            (m["cumulative_ns"] - old_by[m["name"]]["cumulative_ns"], m["name"])
            for m in new["modules"]
            if m["name"] in old_by
        ),
        reverse=True,
    )
    slower = [(ns, name) for ns, name in slower if ns > 0][:15]

    def key(effect: dict[str, Any]) -> tuple[str, str | None, str]:
        return (effect["kind"], effect["module"], effect["detail"])

    seen = {key(e) for e in old["side_effects"]}
    new_effects = [e for e in new["side_effects"] if key(e) not in seen]
    lines = [
        f"import time: {old_total / 1e6:.1f} ms -> {new_total / 1e6:.1f} ms ({grew_ms:+.1f} ms); "
        f"modules: {len(old_by)} -> {len(new_by)} ({len(added)} new)"
    ]
    if slower:
        lines.append("slower:")
        lines += [
            f"  {name}: {old_by[name]['cumulative_ns'] / 1e6:.2f} ms -> "
            f"{new_by[name]['cumulative_ns'] / 1e6:.2f} ms (+{ns / 1e6:.2f} ms)"
            for ns, name in slower
        ]
    if added:
        lines.append("new modules:")
        lines += [
            f"  {name} ({new_by[name]['cumulative_ns'] / 1e6:.2f} ms, imported by "
            f"{new_by[name]['parent'] or 'the program'})"
            for name in added
        ]
    if new_effects:
        lines.append("new side effects:")
        lines += [
            f"  {e['kind']}: {e['module']} ({e['file']}:{e['line']}): {e['detail']}"
            for e in new_effects
        ]
    failed = []
    if max_ms is not None and grew_ms > max_ms:
        failed.append(f"import time grew by {grew_ms:.1f} ms, more than --max-ms {max_ms:g}")
    if max_new_modules is not None and len(added) > max_new_modules:
        failed.append(f"{len(added)} new module(s), more than --max-new-modules {max_new_modules}")
    lines += [f"FAIL: {reason}" for reason in failed]
    return "\n".join(lines), bool(failed)
