"""The router: importcraft's single ``sys.meta_path`` finder and its rule index.

Every feature is a :class:`Rule` registered here, never a finder of its own. A lookup walks the
dotted prefixes of the name (``a.b.c``, ``a.b``, ``a``), so it costs the depth of the name, not
the number of rules; a name whose first component no rule covers is refused after one dict
lookup, with no filesystem access and no other finder asked.

Stages, in the order the router applies them to one name:

1. policy rules may refuse the import by raising;
2. resolving rules (sources, legacy importers, ...): the first that returns a spec wins;
3. if none did and a decorating or fallback rule covers the name, the finders *after* the router
   in ``sys.meta_path`` are asked directly (see :meth:`Router.delegate`), then fallback rules;
4. decorating rules wrap the spec's loader, lowest ``order`` first.

Rules of a fifth stage, ``DISTRIBUTION``, cover no name: they offer distributions (a
``virtual(..., distribution=...)``) to ``importlib.metadata``, which asks every finder on
``sys.meta_path`` through :meth:`Router.find_distributions`.

Within one stage, rules for an exact name come before rules for a prefix, longer prefixes before
shorter ones, rules covering every name last, and among equals the newest first.
"""

import sys
from _thread import _local

from . import _state
from ._errors import ImportBlockedError
from ._frames import importlib_frame

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType
    from typing import Any

POLICY, RESOLVE, FALLBACK, DECORATE, DISTRIBUTION = range(5)

# Order of decorating rules, so that each sees the loader the previous one made.
ORDER_TRANSFORM = 10
ORDER_POST_IMPORT = 20
ORDER_LAZY = 30


class Rule:
    """One thing the router does for the names it covers.

    ``key`` is the name covered: exactly that name if ``exact``, else that name and every name
    below it; ``None`` covers every name (and costs every import a trip through the slow path).
    Subclasses override the method of their stage. ``description`` says what made the rule, in
    the words of its Hook (see :meth:`Router.add`), for the decision trace (``_trace``).
    """

    __slots__ = ("description", "exact", "key", "order", "stage")

    def __init__(
        self, stage: int, key: str | None, *, exact: bool = False, order: float = 0
    ) -> None:
        self.stage = stage
        self.key = key
        self.exact = exact
        self.order = order
        self.description: str | Callable[[], str] | None = None

    def check(self, fullname: str) -> None:
        """Policy stage: raise to refuse ``fullname``."""

    def find_spec(
        self, fullname: str, path: "Sequence[str] | None", target: "ModuleType | None"
    ) -> "ModuleSpec | None":
        """Resolving and fallback stages: the spec for ``fullname``, or ``None``."""
        return None

    def decorate(self, spec: "ModuleSpec") -> "ModuleSpec":
        """Decorating stage: the spec to use instead (usually the same one, loader wrapped)."""
        return spec

    def distributions(self, context: "Any") -> "Iterable[Any]":
        """Distribution stage: the distributions ``context`` asks for.

        ``context`` is ``importlib.metadata``'s ``DistributionFinder.Context`` (``name``, which
        may be ``None`` for all, and ``path``); the result, ``importlib.metadata.Distribution``
        objects.
        """
        return ()

    def described(self) -> str:
        """What made the rule, in the words of its Hook (``description``), else its repr."""
        description = self.description
        if description is None:
            return repr(self)
        return description if isinstance(description, str) else description()

    def serves_top(self, top: str) -> bool:
        """For a rule covering every name: whether it may act on ``top`` or names under it.

        ``False`` promises that the rule does nothing for those names, so a lookup whose
        top-level name no rule wants stays one-lookup cheap. The router keeps the answer per
        top-level name until the rules change or ``importlib.invalidate_caches()`` is called
        (:meth:`Router.forget_answers`). The default, ``True``, is for rules that cannot say
        (a PEP 302 importer, a source that does not know its names): they are asked about
        every import.
        """
        return True

    def __repr__(self) -> str:
        scope = "every name" if self.key is None else repr(self.key)
        return f"<{type(self).__name__} {scope}{' (exact)' if self.exact else ''}>"


class Router:
    """The meta-path finder through which every importcraft rule acts."""

    def __init__(self) -> None:
        self._exact: dict[str, tuple[Rule, ...]] = {}
        self._prefix: dict[str, tuple[Rule, ...]] = {}
        self._anywhere: tuple[Rule, ...] = ()
        # While there are rules covering every name: the top-level names none of them wants
        # (see Rule.serves_top), and those some rule wants. New sets whenever the rules change
        # (_wanted first), never cleared in place, so an answer worked out from old rules
        # never lands in them. Plain sets: ``in`` on a set subclass costs twice as much.
        self._refused: set[str] | None = None
        self._wanted: set[str] = set()
        # Rules offering distributions to importlib.metadata (stage DISTRIBUTION), newest first.
        self._distributions: tuple[Rule, ...] = ()
        # How many keyed rules share each top-level name: the whole miss path is one lookup here.
        self._tops: dict[str, int] = {}
        self._count = 0
        # Policy rules, which may refuse a probe: while there are any, walks must be endable.
        self._policies = 0
        self._cache_clearers: dict[Callable[[], None], None] = {}  # an ordered set
        self._local = _local()
        # (entries covering a name) -> what to run for it: see _plan. Emptied when rules change,
        # so that removed rules are not kept alive by it.
        self._plans: dict[tuple[tuple[Rule, ...], ...], _Plan] = {}

    # -- the import path ---------------------------------------------------------------------

    @importlib_frame
    def find_spec(
        self,
        fullname: str,
        path: "Sequence[str] | None" = None,
        target: "ModuleType | None" = None,
    ) -> "ModuleSpec | None":
        top = fullname.partition(".")[0]
        if top not in self._tops:
            refused = self._refused
            if refused is None or top in refused or self._refuses(refused, top):
                return None
        try:
            return self._find_spec(fullname, path, target)
        except ImportBlockedError as exc:
            # The refusal is the whole story: the traceback restarts in this frame, which
            # CPython trims with importlib's own, so the user's import line comes last.
            raise exc.with_traceback(None)  # noqa: B904 (the same error, not a new one)

    def _find_spec(
        self, fullname: str, path: "Sequence[str] | None", target: "ModuleType | None"
    ) -> "ModuleSpec | None":
        delegating: set[str] | None = getattr(self._local, "names", None)
        if delegating and fullname in delegating:
            # A finder we delegated to is looking this name up through the whole of
            # sys.meta_path (importlib.util.find_spec, say): step aside instead of recursing.
            return None
        policies, resolvers, fallbacks, decorators = self._plan(fullname)
        try:
            if policies:
                self.check(fullname)
        except ImportBlockedError as exc:
            if exc.name == fullname and self._end_probe():
                return None
            raise
        spec = None
        for rule in resolvers:
            spec = rule.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            if not decorators and not fallbacks:
                return None
            spec = self.delegate(fullname, path, target)
            for rule in fallbacks:
                if spec is not None:
                    break
                spec = rule.find_spec(fullname, path, target)
        if spec is not None:
            try:
                for rule in decorators:
                    spec = rule.decorate(spec)
            except ImportBlockedError as exc:
                if exc.name == fullname and self._end_probe():
                    return None
                raise
        return spec

    def find_distributions(self, context: "Any" = None) -> "Iterable[Any]":
        """What ``importlib.metadata`` asks each finder on ``sys.meta_path``: distributions.

        The rules of the ``DISTRIBUTION`` stage answer, newest first (the router is first on
        ``sys.meta_path``, and ``importlib.metadata`` keeps the first distribution of a name).
        Without such rules, the usual case, this is one attribute read: nothing is imported.
        """
        rules = self._distributions
        if not rules:
            return ()
        return [dist for rule in rules for dist in rule.distributions(context)]

    def distribution_rules(self) -> "tuple[Rule, ...]":
        """The rules offering distributions, newest first."""
        return self._distributions

    def _refuses(self, refused: set[str], top: str) -> bool:
        """Whether no rule covering every name wants ``top``, kept in ``refused``."""
        wanted_set = self._wanted
        if top in wanted_set:
            return False
        wanted = any(rule.serves_top(top) for rule in self._anywhere)
        if len(refused) + len(wanted_set) < _MAX_ANSWERS:  # made-up names: keep no more
            (wanted_set if wanted else refused).add(top)
        return not wanted

    def forget_answers(self) -> None:
        """Forget what the rules covering every name said about top-level names."""
        self._wanted = set()
        self._refused = set() if self._anywhere else None

    def check(self, fullname: str) -> None:
        """Raise the error of the first policy rule (most specific first) refusing ``fullname``.

        What the router asks before it looks for a name; for code that must apply the
        policies to a module found another way (a lazy module's first use, modules loaded
        before the policies were installed).
        """
        for rule in self._plan(fullname)[0]:
            rule.check(fullname)

    def _plan(self, fullname: str) -> "_Plan":
        """The rules covering ``fullname``, split by stage, each stage in the order it runs.

        A plan depends only on which table entries cover the name, so it is kept per
        combination of entries: the many modules of one package share one, and each import
        pays a few dict lookups instead of sorting its rules again.
        """
        key = self._entries(fullname)
        plan = self._plans.get(key)
        if plan is None:
            # Entries are immutable tuples, so a plan never goes stale: one computed from
            # tables that have changed since is only ever found again under the old entries.
            plan = self._plans[key] = _make_plan([rule for rules in key for rule in rules])
        return plan

    def _entries(self, fullname: str) -> "tuple[tuple[Rule, ...], ...]":
        """The non-empty table entries covering ``fullname``, most specific first."""
        found: list[tuple[Rule, ...]] = []
        exact = self._exact.get(fullname)
        if exact:
            found.append(exact)
        prefix = self._prefix
        name = fullname
        while True:
            rules = prefix.get(name)
            if rules:
                found.append(rules)
            cut = name.rfind(".")
            if cut < 0:
                break
            name = name[:cut]
        if self._anywhere:
            found.append(self._anywhere)
        return tuple(found)

    def _end_probe(self) -> bool:
        """Whether a refused lookup is a probe, now ended as if nothing had found the name.

        A probe (``importlib.util.find_spec``, which ``pkgutil.find_loader`` and ``runpy``
        use) asks whether a module could be imported: a refused one must look missing
        (``None``: code such as ``find_spec(name) is None`` relies on it), while an import
        must raise to say why. Both reach the router through
        ``importlib._bootstrap._find_spec``; an import calls it from ``_find_and_load_unlocked``
        (or ``importlib.reload``), a probe from ``importlib.util.find_spec``. Only refused
        lookups pay for looking at the frames.
        """
        frame = sys._getframe(1)
        while frame is not None and frame.f_globals.get("__name__") in _ROUTER_MODULES:
            frame = frame.f_back  # type: ignore[assignment]
        if frame is None or frame.f_code.co_filename != "<frozen importlib._bootstrap>":
            return False
        caller = frame.f_back
        if (
            caller is None
            or caller.f_code.co_name != "find_spec"
            or caller.f_globals.get("__name__") != "importlib.util"
        ):
            return False
        # Returning None would let the finders after the router find the module.
        return _state.end_walk(frame)

    def rules_for(self, fullname: str) -> "list[Rule]":
        """The rules covering ``fullname``, most specific first."""
        return [rule for rules in self._entries(fullname) for rule in rules]

    def exact_rules(self, name: str) -> "tuple[Rule, ...]":
        """The rules registered for exactly ``name`` (not by prefix), newest first."""
        return self._exact.get(name, ())

    def prefix_rules(self, key: str) -> "tuple[Rule, ...]":
        """The rules registered for ``key`` and the names under it (not exactly), newest first."""
        return self._prefix.get(key, ())

    def all_rules(self) -> "list[Rule]":
        """Every registered rule."""
        tables = (
            *self._exact.values(),
            *self._prefix.values(),
            self._anywhere,
            self._distributions,
        )
        return [rule for rules in tables for rule in rules]

    def delegate(
        self,
        fullname: str,
        path: "Sequence[str] | None" = None,
        target: "ModuleType | None" = None,
    ) -> "ModuleSpec | None":
        """The spec the finders after the router in ``sys.meta_path`` give for ``fullname``.

        This is what the rest of the import system would produce if importcraft were not there.
        The router neither leaves ``sys.meta_path`` (which races with other threads) nor calls
        ``importlib.util.find_spec`` (which would come back to the router); while it asks, a
        lookup of the same name that reaches the router again in this thread passes through.
        """
        local = self._local
        try:
            names: set[str] = local.names
        except AttributeError:
            names = local.names = set()
        names.add(fullname)
        try:
            meta_path = sys.meta_path
            try:
                after = meta_path[meta_path.index(self) + 1 :]
            except ValueError:  # not installed (a direct call): every finder
                after = list(meta_path)
            for finder in after:
                if finder is self:
                    continue
                spec = ask_finder(finder, fullname, path, target)
                if spec is not None:
                    return spec
            return None
        finally:
            names.discard(fullname)

    def invalidate_caches(self) -> None:
        """Called by ``importlib.invalidate_caches()``: sources re-read what they hold."""
        for clear in list(self._cache_clearers):
            clear()
        self.forget_answers()

    # -- changing the rules --------------------------------------------------------------------

    def add(
        self, rules: "Iterable[Rule]", description: "str | Callable[[], str] | None" = None
    ) -> None:
        """Register ``rules`` and make sure the router is on ``sys.meta_path``.

        ``description`` (the Hook's, text or a function making it) describes the rules that
        have none of their own.
        """
        self.replace((), rules, description)

    def remove(self, rules: "Iterable[Rule]") -> None:
        """Unregister ``rules``; the router leaves ``sys.meta_path`` with its last rule."""
        self.replace(rules, ())

    def replace(
        self,
        old: "Iterable[Rule]",
        new: "Iterable[Rule]",
        description: "str | Callable[[], str] | None" = None,
    ) -> None:
        """Swap ``old`` rules for ``new`` ones in one step under the lock (see :meth:`add`)."""
        with _state.LOCK:
            for rule in old:
                self._unindex(rule)
            for rule in new:
                if rule.description is None:
                    rule.description = description
                self._index(rule)
            self._plans = {}
            if self._anywhere or self._refused is not None:
                self.forget_answers()
            _state.settle_finder(self, self._count > 0, self._policies > 0)

    def add_cache_clearer(self, clear: "Callable[[], None]") -> None:
        with _state.LOCK:
            self._cache_clearers[clear] = None

    def remove_cache_clearer(self, clear: "Callable[[], None]") -> None:
        with _state.LOCK:
            self._cache_clearers.pop(clear, None)

    def _index(self, rule: "Rule") -> None:
        # Readers never lock: each table entry is an immutable tuple swapped in one assignment.
        self._count += 1
        self._policies += rule.stage == POLICY
        key = rule.key
        if rule.stage == DISTRIBUTION:  # covers no name: not in the name tables
            self._distributions = (rule, *self._distributions)
            return
        if key is None:
            self._anywhere = (rule, *self._anywhere)
            return
        table = self._exact if rule.exact else self._prefix
        table[key] = (rule, *table.get(key, ()))
        top = key.partition(".")[0]
        self._tops[top] = self._tops.get(top, 0) + 1

    def _unindex(self, rule: "Rule") -> None:
        key = rule.key
        if rule.stage == DISTRIBUTION:
            if any(r is rule for r in self._distributions):
                self._distributions = tuple(r for r in self._distributions if r is not rule)
                self._count -= 1
            return
        if key is None:
            if any(r is rule for r in self._anywhere):
                self._anywhere = tuple(r for r in self._anywhere if r is not rule)
                self._count -= 1
                self._policies -= rule.stage == POLICY
            return
        table = self._exact if rule.exact else self._prefix
        before = table.get(key, ())
        after = tuple(r for r in before if r is not rule)
        if len(after) == len(before):
            return
        self._count -= 1
        self._policies -= rule.stage == POLICY
        if after:
            table[key] = after
        else:
            del table[key]
        top = key.partition(".")[0]
        left = self._tops[top] - 1
        if left:
            self._tops[top] = left
        else:
            del self._tops[top]

    def _snapshot(self) -> "Callable[[], None]":
        saved = (
            self._exact.copy(),
            self._prefix.copy(),
            self._anywhere,
            self._distributions,
            self._tops.copy(),
            self._count,
            self._policies,
            self._cache_clearers.copy(),
        )

        def restore() -> None:
            (
                exact,
                prefix,
                self._anywhere,
                self._distributions,
                tops,
                self._count,
                self._policies,
                clearers,
            ) = saved
            self._plans = {}
            self.forget_answers()
            # Restored in place: the dicts are the objects find_spec reads.
            _refill(self._exact, exact)
            _refill(self._prefix, prefix)
            _refill(self._tops, tops)
            _refill(self._cache_clearers, clearers)

        return restore

    def __repr__(self) -> str:
        return f"<importcraft router: {self._count} rule(s)>"


# How many top-level names the answers of rules covering every name are kept for.
_MAX_ANSWERS = 4096

_Plan = tuple[tuple[Rule, ...], tuple[Rule, ...], tuple[Rule, ...], tuple[Rule, ...]]


def _make_plan(rules: "list[Rule]") -> "_Plan":
    """Policies, resolvers and fallbacks (most specific first); decorators by ``order``."""
    decorators = sorted((r for r in rules if r.stage == DECORATE), key=lambda r: r.order)
    return (
        tuple(r for r in rules if r.stage == POLICY),
        tuple(r for r in rules if r.stage == RESOLVE),
        tuple(r for r in rules if r.stage == FALLBACK),
        tuple(decorators),
    )


def _refill(table: "dict[Any, Any]", contents: "dict[Any, Any]") -> None:
    table.clear()
    table.update(contents)


def ask_finder(
    finder: object, fullname: str, path: "Sequence[str] | None", target: "ModuleType | None"
) -> "ModuleSpec | None":
    """Ask one meta-path finder for ``fullname``, as importlib would, legacy finders included."""
    find_spec = getattr(finder, "find_spec", None)
    if find_spec is not None:
        spec: ModuleSpec | None = find_spec(fullname, path, target)
        return spec
    if getattr(finder, "find_module", None) is not None:
        from ._pep302 import spec_from_legacy_finder

        return spec_from_legacy_finder(finder, fullname, path)
    return None


# The modules whose frames stand between importlib and a refusal (see Router._end_probe).
_ROUTER_MODULES = frozenset((__name__, __name__.rpartition(".")[0] + "._trace"))

ROUTER = Router()
_state.add_snapshotter(ROUTER._snapshot)


def add_rules(
    description: str,
    rules: "Sequence[Rule]",
    *,
    also: "Callable[[], Callable[[], None]] | None" = None,
) -> _state.Hook:
    """Give ``rules`` to the router and return the Hook, described so, that takes them back.

    What every feature made of rules ends with once its arguments are checked: the rules and
    the hook are made under one lock, so no thread sees the rules without the hook that
    removes them. ``also``, if given, makes the feature's own further change once the rules are
    in (under the same lock) and returns the function undoing it, which the hook calls before
    taking the rules out. If ``also`` raises, the rules are taken out again: all or nothing.
    """
    rules = list(rules)
    with _state.LOCK:
        ROUTER.add(rules, description)
        if also is None:
            return _state.register(description, lambda: ROUTER.remove(rules))
        try:
            undo_also = also()
        except BaseException:
            ROUTER.remove(rules)
            raise

        def undo() -> None:
            undo_also()
            ROUTER.remove(rules)

        return _state.register(description, undo)
