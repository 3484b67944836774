"""The decision trace: which rule decided what, printed to stderr as ``python -v`` does.

Switched on by ``IMPORTCRAFT_VERBOSE`` (read when the router is created; ``importcraft run -v``
sets it for the program) or at run time by :func:`set_verbose`. Level 1 prints one line per
decision a rule takes for an import that reaches the router: a refusal, a spec served, a
delegation to the finders after the router and what they gave, a loader wrapped, a lazy
module's body running at first use. Level 2 adds what decided nothing: names no rule covers,
rules that passed, policies that allowed.

Off, it costs nothing: this module is not even loaded, and the router is a plain
:class:`~importcraft.core._router.Router`. On, the router's class becomes
:class:`TracingRouter`, whose plans are made of :class:`_Traced` stand-ins that say what the
rules they stand for did. The router's own algorithm is not copied: it runs unchanged, over
the stand-ins.
"""

from __future__ import annotations

import os
import sys
from _thread import _local

from . import _state
from ._errors import ImportBlockedError
from ._frames import importlib_frame
from ._router import FALLBACK, ROUTER, Router, Rule

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType
    from typing import Any

    from ._router import _Plan

ENV = "IMPORTCRAFT_VERBOSE"

# 0: off; 1: decisions; 2: also what decided nothing. Read by code outside the router that
# reports a decision of its own (a lazy module's first use): one global check there.
level = 0

# Per thread: the name a policy refused last, so that a probe answered "not found" says so.
_refusal = _local()


def set_verbose(new_level: int) -> int:
    """Set the trace level (0 switches it off) for this interpreter; return the level before.

    Private: for ``importcraft run -v`` and tests. The environment is not changed.
    """
    global level
    if not isinstance(new_level, int) or new_level < 0:
        raise ValueError(f"the trace level must be an int of 0 or more, not {new_level!r}")
    with _state.LOCK:
        before = level
        level = min(new_level, 2)
        # The router is the object sys.meta_path holds: its class changes in place, so imports
        # running in other threads see either router, never a half-changed one.
        ROUTER.__class__ = TracingRouter if level else Router
    return before


def level_from(value: str | None) -> int:
    """The level an ``IMPORTCRAFT_VERBOSE`` value asks for, read as CPython reads PYTHONVERBOSE.

    Unset, empty or ``0``: off; a number: that level (2 at most); any other text: 1.
    """
    if not value:
        return 0
    text = value.strip()
    return min(int(text), 2) if text.isdigit() else 1


def set_verbose_from_environment() -> None:
    """Switch the trace to the level ``IMPORTCRAFT_VERBOSE`` asks for."""
    set_verbose(level_from(os.environ.get(ENV)))


def say(message: str) -> None:
    """Print one trace line to ``sys.stderr`` (as it is now: tests and programs replace it)."""
    stream = sys.stderr
    if stream is not None:  # pythonw has no stderr
        stream.write(f"# importcraft: {message}\n")


def _found(spec: ModuleSpec) -> str:
    loader = type(spec.loader).__name__ if spec.loader is not None else "no loader"
    if spec.origin is None:
        return f"a namespace package ({loader})" if spec.loader is None else f"({loader})"
    return f"{spec.origin!r} ({loader})"


def lazy_declared(name: str, declared_at: str) -> None:
    """Report that lazy_import() made module ``name``, its body left for its first use."""
    say(f"{name!r} made lazy by lazy_import at {declared_at}: it runs at first use")


def lazy_body(name: str, declared_at: str) -> None:
    """Report that the body of lazy module ``name`` runs now, at its first use."""
    say(f"{name!r} lazy module first used: running its body (declared at {declared_at})")


class _Traced(Rule):
    """Stands for one rule in a plan of the :class:`TracingRouter`; says what the rule did."""

    __slots__ = ("rule",)

    def __init__(self, rule: Rule) -> None:
        super().__init__(rule.stage, rule.key, exact=rule.exact, order=rule.order)
        self.description = rule.description if rule.description is not None else rule.__repr__
        self.rule = rule

    def _refused(self, fullname: str, exc: ImportBlockedError) -> None:
        if exc.name == fullname:
            _refusal.name = fullname
        say(f"{fullname!r} refused by {self.rule.described()}")

    @importlib_frame  # an ImportBlockedError passes through: CPython trims the frame
    def check(self, fullname: str) -> None:
        try:
            self.rule.check(fullname)
        except ImportBlockedError as exc:
            self._refused(fullname, exc)
            raise
        if level > 1:
            say(f"{fullname!r} allowed by {self.rule.described()}")

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None
    ) -> ModuleSpec | None:
        spec = self.rule.find_spec(fullname, path, target)
        kind = "fallback " if self.stage == FALLBACK else ""
        if spec is not None:
            say(f"{fullname!r} served by {kind}{self.rule.described()}: {_found(spec)}")
        elif level > 1:
            say(f"{fullname!r} not served by {kind}{self.rule.described()}")
        return spec

    @importlib_frame
    def decorate(self, spec: ModuleSpec) -> ModuleSpec:
        loader = spec.loader
        try:
            decorated = self.rule.decorate(spec)
        except ImportBlockedError as exc:
            self._refused(spec.name, exc)
            raise
        if decorated is not spec or decorated.loader is not loader:
            new = type(decorated.loader).__name__
            say(f"{spec.name!r} loader wrapped by {self.rule.described()} (now {new})")
        elif level > 1:
            say(f"{spec.name!r} left as it is by {self.rule.described()}")
        return decorated


class TracingRouter(Router):
    """The router while the trace is on: the same algorithm, over rules that say what they did."""

    __slots__ = ()  # the router's class is swapped in place: same layout as Router

    @importlib_frame  # as Router.find_spec (an ImportBlockedError passes through)
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname.partition(".")[0] not in self._tops and not self._anywhere:
            if level > 1:
                say(f"{fullname!r} not covered by any rule")
            return None
        names = getattr(self._local, "names", None)
        if names and fullname in names and level > 1:
            say(f"{fullname!r} passed through: asked again while being delegated")
        _refusal.name = None
        spec = Router.find_spec(self, fullname, path, target)
        if spec is None:
            if getattr(_refusal, "name", None) == fullname:
                say(f"{fullname!r} reported as not found: the lookup is a probe (find_spec)")
            elif level > 1:
                say(f"{fullname!r} not found by importcraft's rules: importlib goes on")
        return spec

    def find_distributions(self, context: Any = None) -> Iterable[Any]:
        found = list(Router.find_distributions(self, context))
        if found or (level > 1 and self._distributions):
            name = getattr(context, "name", None)
            asked = "every distribution" if name is None else f"distribution {name!r}"
            served = ", ".join(f"{d.name!r} {d.version}" for d in found) or "nothing"
            say(f"importlib.metadata asked for {asked}: served {served}")
        return found

    def _plan(self, fullname: str) -> _Plan:
        plan = Router._plan(self, fullname)
        # Made for each lookup rather than kept: tracing is slow anyway (it prints), and a
        # cache would keep removed rules alive.
        policies, resolvers, fallbacks, decorators = (
            tuple(_Traced(rule) for rule in stage) for stage in plan
        )
        return policies, resolvers, fallbacks, decorators

    def delegate(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        spec = Router.delegate(self, fullname, path, target)
        found = _found(spec) if spec is not None else "nothing found"
        say(f"{fullname!r} delegated to the finders after importcraft: {found}")
        return spec
