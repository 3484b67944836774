"""explain(): why a name resolves where it does, walked as Python would walk it.

Nothing found is executed: no module body runs and nothing on the search path is imported
while explaining (``importlib.metadata`` is not used either: it imports ``email`` and
``random``, which a user's ``random.py`` next to the script would hide). The finders Python
itself ships (``BuiltinImporter``, ``FrozenImporter``) and importcraft's router are asked
directly; the path-based finder is walked by hand over the same path-entry finders it would
use, without changing ``sys.path_importer_cache``. Parent packages are not imported unless
``import_parents=True``: their search locations come from their specs.
"""

from __future__ import annotations

import os
import sys
from _frozen_importlib import BuiltinImporter, FrozenImporter
from _frozen_importlib_external import (
    BYTECODE_SUFFIXES,
    EXTENSION_SUFFIXES,
    SOURCE_SUFFIXES,
    ExtensionFileLoader,
    FileFinder,
    PathFinder,
    SourceFileLoader,
)

from ..core._errors import ImportBlockedError
from ..core._names import check_module_name
from ..core._router import DECORATE, FALLBACK, POLICY, RESOLVE, ROUTER, Rule
from ..lazy._optional import KNOWN_DISTRIBUTIONS

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from importlib.machinery import ModuleSpec
    from typing import Any

__all__ = ["Explanation", "Shadowed", "Step", "explain"]

# The version of the layout to_dict() returns (documented in docs/diagnostics-explain.md).
SCHEMA_VERSION = 1

_ALL_SUFFIXES = (*EXTENSION_SUFFIXES, *SOURCE_SUFFIXES, *BYTECODE_SUFFIXES)
_STAGE_NAMES = {
    POLICY: "policy",
    RESOLVE: "resolving",
    FALLBACK: "fallback",
    DECORATE: "decorating",
}


class Step:
    """One thing Python does (or would do) while looking ``name`` up, and what came of it.

    ``where`` names the place asked (``sys.modules``, a ``sys.meta_path`` finder, a rule of the
    router, a path entry); ``finder`` the object that answered, ``via`` how that object was
    obtained (for a path entry: the ``sys.path_importer_cache`` hit or the ``sys.path_hooks``
    entry that would make it); ``result`` one of ``hit``, ``miss``, ``module``, ``package``,
    ``namespace portion``, ``nothing``, ``refused``, ``would wrap``, ``skipped``, ``error``;
    ``detail`` the words for a person.
    """

    __slots__ = ("detail", "finder", "origin", "result", "via", "where")

    def __init__(
        self,
        where: str,
        result: str,
        detail: str = "",
        *,
        finder: str | None = None,
        via: str | None = None,
        origin: str | None = None,
    ) -> None:
        self.where = where
        self.result = result
        self.detail = detail
        self.finder = finder
        self.via = via
        self.origin = origin

    def to_dict(self) -> dict[str, Any]:
        return {
            "where": self.where,
            "finder": self.finder,
            "via": self.via,
            "result": self.result,
            "origin": self.origin,
            "detail": self.detail,
        }

    def __repr__(self) -> str:
        return f"<Step {self.where}: {self.result}>"


class Shadowed:
    """Another place holding the name, which lost: where it is, what it is, and why it lost."""

    __slots__ = ("kind", "location", "why")

    def __init__(self, location: str, kind: str, why: str) -> None:
        self.location = location
        self.kind = kind
        self.why = why

    def to_dict(self) -> dict[str, str]:
        return {"location": self.location, "kind": self.kind, "why": self.why}

    def __repr__(self) -> str:
        return f"<Shadowed {self.location} ({self.kind})>"


class Explanation:
    """What :func:`explain` found: the steps, the winner, what it shadows, or help if missing.

    ``found`` says whether the name resolves; ``kind`` is ``module``, ``regular package``,
    ``namespace package``, ``builtin``, ``frozen``, ``extension`` or ``None``; ``origin`` and
    ``loader`` describe the winner; ``portions`` the folders of a namespace package;
    ``shadowed`` every other place holding the name; ``suggestions`` help for a name not
    found; ``notes`` anything else worth knowing (a parent's ``__init__`` that may change its
    ``__path__``). ``str()`` gives readable text, :meth:`to_dict` a JSON-ready dict.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.found = False
        self.already_imported = False
        self.kind: str | None = None
        self.origin: str | None = None
        self.loader: str | None = None
        self.found_by: str | None = None
        self.distribution: str | None = None
        self.portions: list[str] = []
        self.steps: list[Step] = []
        self.shadowed: list[Shadowed] = []
        self.suggestions: list[str] = []
        self.notes: list[str] = []
        self.blocked_by: str | None = None
        self.wrapped_by: list[str] = []
        self.spec: ModuleSpec | None = None  # the winner's spec (not in to_dict)

    def headline(self) -> str:
        """The first line of the text: the verdict, shadowing said plainly."""
        name = self.name
        if self.blocked_by is not None:
            return f"{name!r} is BLOCKED: {self.blocked_by}"
        if not self.found:
            return f"{name!r} is NOT FOUND: no finder knows it (the steps tried follow)"
        where = self.origin or "(no file)"
        if self.shadowed and self.shadowed[0].why.startswith("FRESH IMPORT DIFFERS"):
            return (
                f"SHADOWING: {name!r} is imported from {where}, but a fresh import would find "
                f"{self.shadowed[0].location} first"
            )
        if self.shadowed:
            first = self.shadowed[0]
            more = f" and {len(self.shadowed) - 1} more" if len(self.shadowed) > 1 else ""
            return (
                f"SHADOWING: {name!r} resolves to {where}, which hides {first.location} "
                f"({first.kind}){more}"
            )
        return f"{name!r} resolves to {where} ({self.kind})"

    def __str__(self) -> str:
        lines = [self.headline(), ""]
        if self.found:
            lines.append(f"  kind:     {self.kind}")
            lines.append(f"  origin:   {self.origin}")
            lines.append(f"  loader:   {self.loader}")
            lines.append(f"  found by: {self.found_by}")
            if self.distribution:
                lines.append(f"  from:     the installed distribution {self.distribution}")
            lines.extend(f"  portion:  {portion}" for portion in self.portions)
            lines.extend(f"  wrapped:  {wrapper}" for wrapper in self.wrapped_by)
            lines.append("")
        if self.shadowed:
            lines.append("Shadowed (also holds the name, lost):")
            lines.extend(
                f"  - {shadow.location} ({shadow.kind}): {shadow.why}" for shadow in self.shadowed
            )
            lines.append("")
        lines.append("Steps:")
        for number, step in enumerate(self.steps, 1):
            text = f"  {number:>2}. {step.where}: {step.result}"
            if step.finder:
                text += f" [{step.finder}"
                text += f", {step.via}]" if step.via else "]"
            if step.detail:
                text += f" - {step.detail}"
            lines.append(text)
        if self.notes:
            lines.append("")
            lines.append("Notes:")
            lines.extend(f"  - {note}" for note in self.notes)
        if self.suggestions:
            lines.append("")
            lines.append("Help:")
            lines.extend(f"  - {suggestion}" for suggestion in self.suggestions)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (schema in docs/diagnostics-explain.md, ``schema`` its version)."""
        return {
            "schema": SCHEMA_VERSION,
            "name": self.name,
            "found": self.found,
            "already_imported": self.already_imported,
            "headline": self.headline(),
            "kind": self.kind,
            "origin": self.origin,
            "loader": self.loader,
            "found_by": self.found_by,
            "distribution": self.distribution,
            "portions": list(self.portions),
            "wrapped_by": list(self.wrapped_by),
            "blocked_by": self.blocked_by,
            "shadowed": [shadow.to_dict() for shadow in self.shadowed],
            "steps": [step.to_dict() for step in self.steps],
            "notes": list(self.notes),
            "suggestions": list(self.suggestions),
        }

    def __repr__(self) -> str:
        state = self.kind if self.found else "not found"
        return f"<Explanation {self.name!r}: {state}>"


def explain(
    name: str, *, path: Sequence[str] | None = None, import_parents: bool = False
) -> Explanation:
    """Explain how ``import name`` would be resolved, step by step, without running any module.

    ``path`` replaces the search locations (``sys.path`` for a top-level name, the parent
    package's ``__path__`` for a submodule). Parent packages already imported are used as
    they are; others are not imported (their locations come from their specs) unless
    ``import_parents`` is true, which imports them and so runs their ``__init__``.
    """
    check_module_name(name)
    explanation = Explanation(name)
    _Walk(explanation, path, import_parents).run()
    return explanation


class _Candidate:
    """A place holding the name, in search order."""

    __slots__ = ("entry", "kind", "location", "spec")

    def __init__(self, location: str, kind: str, spec: ModuleSpec | None, entry: str | None):
        self.location = location
        self.kind = kind
        self.spec = spec
        self.entry = entry


class _Walk:
    def __init__(
        self, explanation: Explanation, path: Sequence[str] | None, import_parents: bool
    ) -> None:
        self.out = explanation
        self.name = explanation.name
        self.parent, _, self.tail = self.name.rpartition(".")
        self.path = list(path) if path is not None else None
        self.import_parents = import_parents
        self.winner: _Candidate | None = None
        self.portions: list[_Candidate] = []  # namespace portions seen before any winner
        self.losers: list[_Candidate] = []
        self.ignored: list[Shadowed] = []  # files Python passes over (stale bytecode, ...)
        self.finder_won: str | None = None
        self.search: list[str] | None = None  # the locations the path-based finder walks
        self.fresh: _Candidate | None = None  # what a fresh import finds, if not what is imported
        # The router's fallback rules, asked after every other finder found nothing.
        self.fallbacks: list[tuple[str, Rule]] = []

    # -- the walk ------------------------------------------------------------------------------

    def run(self) -> None:
        out = self.out
        module = sys.modules.get(self.name, _MISSING)
        if module is None:
            out.steps.append(
                Step(
                    "sys.modules", "hit", "the entry is None: importing raises ModuleNotFoundError"
                )
            )
            out.suggestions.append(
                f"sys.modules[{self.name!r}] was set to None on purpose; remove that entry"
            )
            return
        if module is not _MISSING:
            out.already_imported = True
            spec = getattr(module, "__spec__", None)
            out.steps.append(
                Step(
                    "sys.modules",
                    "hit",
                    "already imported: Python asks no finder (the walk below shows what "
                    "a fresh import would find)",
                    origin=getattr(spec, "origin", None) or getattr(module, "__file__", None),
                )
            )
        else:
            out.steps.append(Step("sys.modules", "miss", "not imported yet: the finders are asked"))
        if not self._search_locations():
            self._finish(module)
            return
        for index, finder in enumerate(sys.meta_path):
            where = f"sys.meta_path[{index}]"
            if finder is ROUTER:
                if self._router(where):
                    return  # refused: the import raises
            elif finder is BuiltinImporter or finder is FrozenImporter:
                self._stdlib_finder(where, finder)
            elif finder is PathFinder:
                self._path_finder(where)
            else:
                self._other_finder(where, finder)
        if self.winner is None and not self.portions:
            self._fallback_rules()
        self._finish(module)

    def _rule_found(
        self, label: str, rule: Rule, spec: ModuleSpec, detail: str, where: str, won_by: str
    ) -> None:
        """A rule of the router answered with ``spec``: the step, and the winner it makes."""
        kind = _kind(spec)
        described = rule.described()
        self.out.steps.append(Step(label, kind, detail, finder=described, origin=spec.origin))
        self._found(_Candidate(spec.origin or described, kind, spec, None), where)
        self.finder_won = won_by

    def _fallback_rules(self) -> None:
        """The router's fallback rules, as it asks them: after the finders found nothing."""
        for where, rule in self.fallbacks:
            label = f"{where} fallback rule"
            try:
                spec = rule.find_spec(self.name, self._finder_path(), None)
            except Exception as exc:
                self.out.steps.append(
                    Step(
                        label,
                        "error",
                        f"raised {type(exc).__name__}: {exc}",
                        finder=rule.described(),
                    )
                )
                return
            if spec is None:
                self.out.steps.append(Step(label, "nothing", finder=rule.described()))
                continue
            self._rule_found(
                label,
                rule,
                spec,
                "found: nothing else knew the name, so the router's fallback answers",
                where,
                f"{where}: {rule.described()}",
            )
            return

    def _search_locations(self) -> bool:
        """Work out the path the finders get; ``False`` if the parent makes the name missing."""
        out = self.out
        if self.path is not None:
            self.search = self.path
            out.steps.append(Step("search path", "given", f"path= given: {len(self.path)} entries"))
            return True
        if not self.parent:
            self.search = None  # sys.path
            return True
        parent = self.parent
        module = sys.modules.get(parent)
        if module is None and self.import_parents:
            import importlib

            try:
                module = importlib.import_module(parent)
            except ImportError as exc:
                out.steps.append(Step(f"parent {parent!r}", "error", f"importing it failed: {exc}"))
                out.suggestions.append(f"the parent package {parent!r} cannot be imported: {exc}")
                return False
            out.steps.append(Step(f"parent {parent!r}", "imported", "import_parents=True"))
        if module is not None:
            locations = getattr(module, "__path__", None)
            if locations is None:
                return self._not_a_package("imported, but a module, not a package", None)
            self.search = list(locations)
            out.steps.append(
                Step(
                    f"parent {parent!r}",
                    "imported",
                    f"its __path__ is searched: {self.search}",
                )
            )
            return True
        inner = explain(parent)
        if not inner.found or inner.spec is None:
            for step in inner.steps:
                step.where = f"(parent {parent!r}) {step.where}"
                out.steps.append(step)
            blocked = inner.blocked_by is not None
            out.steps.append(
                Step(
                    f"parent {parent!r}",
                    "refused" if blocked else "nothing",
                    "Python imports the parent first, and it is refused"
                    if blocked
                    else "the parent package is not found, so its submodules cannot be",
                )
            )
            out.suggestions.extend(inner.suggestions)
            out.blocked_by = inner.blocked_by
            return False
        spec = inner.spec
        locations = spec.submodule_search_locations
        if locations is None:
            return self._not_a_package(f"{spec.origin} is a module, not a package", spec.origin)
        self.search = list(locations)
        out.steps.append(
            Step(
                f"parent {parent!r}",
                "not imported",
                f"not imported (import_parents=False): its search locations come from its "
                f"spec: {self.search}",
                origin=spec.origin,
            )
        )
        origin = spec.origin
        if origin and origin.endswith(tuple(SOURCE_SUFFIXES)) and _changes_path(origin):
            out.notes.append(
                f"the __init__ of {parent!r} ({origin}) assigns or extends __path__: once it "
                f"runs, the locations searched may differ (use import_parents=True to see)"
            )
        elif origin and not origin.endswith(tuple(SOURCE_SUFFIXES)) and spec.loader is not None:
            out.notes.append(
                f"the __init__ of {parent!r} ({origin}) could change __path__ when it runs "
                f"(use import_parents=True to see)"
            )
        return True

    # -- sys.meta_path finders ---------------------------------------------------------------

    def _not_a_package(self, detail: str, origin: str | None) -> bool:
        """Say the parent is a module, which cannot hold the name; ``False`` (not found)."""
        parent = self.parent
        self.out.steps.append(Step(f"parent {parent!r}", "module", detail, origin=origin))
        self.out.suggestions.append(
            f"{parent!r} is a module, not a package: it cannot hold {self.tail!r}"
        )
        return False

    def _finder_path(self) -> list[str] | None:
        """The ``path`` argument Python gives meta-path finders: ``None`` for a top-level name.

        ``path=`` given for a top-level name only replaces what the path-based finder walks.
        """
        return self.search if self.parent else None

    def _router(self, where: str) -> bool:
        """Report the router's rules for the name; ``True`` if a policy refuses it."""
        out = self.out
        name = self.name
        top = name.partition(".")[0]
        rules = [
            rule for rule in ROUTER.rules_for(name) if rule.key is not None or _serves(rule, top)
        ]
        finder = "importcraft router"
        if not rules:
            out.steps.append(
                Step(where, "nothing", "no importcraft rule covers this name", finder=finder)
            )
            return False
        by_stage: dict[int, list[Rule]] = {}
        for rule in rules:
            by_stage.setdefault(rule.stage, []).append(rule)
        for rule in by_stage.get(POLICY, ()):
            try:
                rule.check(name)
            except ImportBlockedError as exc:
                out.steps.append(
                    Step(f"{where} policy rule", "refused", str(exc), finder=rule.described())
                )
                out.blocked_by = rule.described()
                out.suggestions.append(f"{exc}")
                return True
            except Exception as exc:  # a policy raising something else also stops the import
                out.steps.append(
                    Step(
                        f"{where} policy rule",
                        "error",
                        f"its check raised {type(exc).__name__}: {exc}",
                        finder=rule.described(),
                    )
                )
                out.blocked_by = rule.described()
                return True
            out.steps.append(Step(f"{where} policy rule", "allows", finder=rule.described()))
        resolved = False
        for stage in (RESOLVE, FALLBACK):
            for rule in by_stage.get(stage, ()):
                label = f"{where} {_STAGE_NAMES[stage]} rule"
                if resolved or (stage == FALLBACK and self.winner is not None):
                    out.steps.append(
                        Step(
                            label,
                            "skipped",
                            "an earlier rule already answered",
                            finder=rule.described(),
                        )
                    )
                    continue
                if stage == FALLBACK:
                    out.steps.append(
                        Step(
                            label,
                            "later",
                            "asked only if the finders after the router find nothing",
                            finder=rule.described(),
                        )
                    )
                    self.fallbacks.append((where, rule))
                    continue
                try:
                    spec = rule.find_spec(name, self._finder_path(), None)
                except Exception as exc:
                    out.steps.append(
                        Step(
                            label,
                            "error",
                            f"raised {type(exc).__name__}: {exc} (the import would raise it)",
                            finder=rule.described(),
                        )
                    )
                    out.suggestions.append(f"{rule.described()} refuses it: {exc}")
                    return True
                if spec is None:
                    out.steps.append(Step(label, "nothing", finder=rule.described()))
                    continue
                resolved = True
                self._rule_found(
                    label,
                    rule,
                    spec,
                    "found: the router answers",
                    where,
                    f"{finder}: {rule.described()}",
                )
        decorators = sorted(by_stage.get(DECORATE, ()), key=lambda r: r.order)
        if decorators and not resolved:
            out.steps.append(
                Step(
                    where,
                    "delegates",
                    "no rule resolves it, but decorating rules cover it: the router asks the "
                    "finders after it (below) and wraps what they find",
                    finder=finder,
                )
            )
        for rule in decorators:
            out.steps.append(
                Step(
                    f"{where} decorating rule",
                    "would wrap",
                    f"wraps the loader found (order {rule.order:g})",
                    finder=rule.described(),
                )
            )
            out.wrapped_by.append(rule.described())
        return False

    def _stdlib_finder(self, where: str, finder: Any) -> None:
        label = "BuiltinImporter" if finder is BuiltinImporter else "FrozenImporter"
        try:
            spec = finder.find_spec(self.name, self._finder_path())
        except ImportError as exc:
            self.out.steps.append(Step(where, "error", str(exc), finder=label))
            return
        if spec is None:
            self.out.steps.append(Step(where, "nothing", finder=label))
            return
        kind = _kind(spec)
        self.out.steps.append(Step(where, kind, "found", finder=label, origin=spec.origin))
        self._found(_Candidate(f"the {kind} module {self.name!r}", kind, spec, None), label)

    def _other_finder(self, where: str, finder: object) -> None:
        label = _short_repr(finder)
        if self.winner is not None:
            self.out.steps.append(
                Step(
                    where, "skipped", "not asked: a finder before it already answered", finder=label
                )
            )
            return
        module = type(finder).__module__ if not isinstance(finder, type) else finder.__module__
        ours = module.startswith("importcraft.")
        try:
            find_spec = getattr(finder, "find_spec", None)
            spec = (
                find_spec(self.name, self._finder_path(), None) if find_spec is not None else None
            )
        except Exception as exc:
            self.out.steps.append(
                Step(where, "error", f"raised {type(exc).__name__}: {exc}", finder=label)
            )
            return
        asked = "asked" if ours else "a third-party finder: asked (its code ran)"
        if spec is None:
            self.out.steps.append(Step(where, "nothing", asked, finder=label))
            return
        kind = _kind(spec)
        self.out.steps.append(
            Step(where, kind, f"{asked}; found", finder=label, origin=spec.origin)
        )
        self._found(_Candidate(spec.origin or label, kind, spec, None), label)

    # -- the path-based finder -----------------------------------------------------------------

    def _path_finder(self, where: str) -> None:
        out = self.out
        entries = sys.path if self.search is None else self.search
        source = (
            "sys.path"
            if self.search is None
            else ("path=" if self.path is not None else f"{self.parent}.__path__")
        )
        out.steps.append(
            Step(where, "walks", f"{len(entries)} entries of {source}", finder="PathFinder")
        )
        hooks = list(sys.path_hooks)
        cache = sys.path_importer_cache
        walked: list[object] = list(entries)  # anything may be on sys.path
        for raw in walked:
            if not isinstance(raw, str | bytes):
                continue
            entry = os.fsdecode(raw)
            key = entry
            if entry == "":
                try:
                    key = os.getcwd()
                except FileNotFoundError:
                    out.steps.append(Step("path entry ''", "nothing", "the current folder is gone"))
                    continue
            label = f"path entry {entry!r}" + (
                f" (the current folder, {key})" if entry == "" else ""
            )
            finder: object | None
            if key in cache:
                finder = cache[key]
                via = "sys.path_importer_cache"
            else:
                finder, via = _finder_from_hooks(hooks, key)
            if finder is None:
                where_from = (
                    "sys.path_importer_cache holds None"
                    if via == "sys.path_importer_cache"
                    else via
                )
                out.steps.append(
                    Step(label, "nothing", f"no path-entry finder for it ({where_from})")
                )
                continue
            try:
                spec = finder.find_spec(self.name)  # type: ignore[attr-defined]
            except Exception as exc:
                out.steps.append(
                    Step(
                        label,
                        "error",
                        f"{type(exc).__name__}: {exc}",
                        finder=_short_repr(finder),
                        via=via,
                    )
                )
                continue
            fname = type(finder).__name__
            if isinstance(finder, FileFinder):
                self._scan_folder(key, spec, getattr(finder, "_path_cache", None))
            if spec is None:
                out.steps.append(Step(label, "nothing", finder=fname, via=via))
                continue
            if spec.loader is None:  # a namespace portion
                portions = list(spec.submodule_search_locations or ())
                out.steps.append(
                    Step(
                        label,
                        "namespace portion",
                        "a folder without __init__: kept, the search goes on",
                        finder=fname,
                        via=via,
                        origin=portions[0] if portions else None,
                    )
                )
                for portion in portions:
                    candidate = _Candidate(portion, "namespace portion", spec, entry)
                    if self.winner is None:
                        self.portions.append(candidate)
                    else:
                        self.losers.append(candidate)
                continue
            kind = _kind(spec)
            out.steps.append(Step(label, kind, "found", finder=fname, via=via, origin=spec.origin))
            self._found(_Candidate(spec.origin or entry, kind, spec, entry), "PathFinder")
        if self.winner is None and self.portions:
            locations = [p.location for p in self.portions]
            spec = self.portions[0].spec
            assert spec is not None
            out.steps.append(
                Step(
                    where,
                    "namespace package",
                    f"no regular module or package: the {len(locations)} portion(s) make a "
                    f"namespace package",
                    finder="PathFinder",
                )
            )
            self.winner = _Candidate(locations[0], "namespace package", spec, None)
            self.finder_won = "PathFinder"
            self.out.portions = locations
            self.portions = []

    def _scan_folder(self, folder: str, spec: ModuleSpec | None, listed: object) -> None:
        """Note what the folder holds under the name that the finder passed over.

        ``listed`` is the folder's listing the FileFinder has just refreshed (its
        ``_path_cache``), if it has one: it saves listing the folder again.
        """
        tail = self.tail or self.name
        names: set[str] | frozenset[str]
        if isinstance(listed, set | frozenset) and listed:
            names = listed
        else:
            try:
                names = set(os.listdir(folder))
            except OSError:
                return
        if "__pycache__" not in names and not any(tail + s in names for s in _ALL_SUFFIXES):
            return  # the usual case: nothing under the name that the finder passed over
        origin = spec.origin if spec is not None else None
        package_dir = os.path.join(folder, tail)
        is_package = (
            spec is not None
            and spec.submodule_search_locations is not None
            and origin is not None
            and os.path.dirname(origin) == package_dir
        )
        for suffix in _ALL_SUFFIXES:
            filename = tail + suffix
            if filename not in names:
                continue
            path = os.path.join(folder, filename)
            if path == origin:
                continue
            if is_package:
                why = (
                    f"the package folder {package_dir}{os.sep} in the same folder wins over a "
                    f"module file of the same name"
                )
            elif origin is not None and os.path.dirname(origin) == folder:
                first = os.path.basename(origin)
                why = f"{first} in the same folder comes first (source before bytecode)"
            else:
                continue
            self.ignored.append(Shadowed(path, "module file", why))
        if "__pycache__" in names and not any(tail + s in names for s in SOURCE_SUFFIXES):
            # The files this interpreter would have written for a tail.py (its cache tag, each
            # optimisation level): a stat each, where listing __pycache__ could be long.
            tag = sys.implementation.cache_tag
            for level in ("", ".opt-1", ".opt-2"):
                for suffix in BYTECODE_SUFFIXES:
                    path = os.path.join(folder, "__pycache__", f"{tail}.{tag}{level}{suffix}")
                    if not os.path.isfile(path):
                        continue
                    self.ignored.append(
                        Shadowed(
                            path,
                            "stale bytecode",
                            f"its source {tail}.py is gone: Python never loads __pycache__ "
                            f"files without their source (delete it, or put a sourceless "
                            f"{tail}.pyc beside where the source was)",
                        )
                    )

    # -- results -------------------------------------------------------------------------------

    def _found(self, candidate: _Candidate, finder: str) -> None:
        if self.winner is None:
            self.winner = candidate
            self.finder_won = finder
            if self.portions:
                for portion in self.portions:
                    self.losers.append(portion)
                self.portions = []
        else:
            self.losers.append(candidate)

    def _finish(self, module: object) -> None:
        out = self.out
        winner = self.winner
        if module is not _MISSING:
            spec = getattr(module, "__spec__", None)
            out.found = True
            out.kind = _kind(spec) if spec is not None else "module"
            out.origin = getattr(spec, "origin", None) or getattr(module, "__file__", None)
            out.loader = _short_repr(getattr(spec, "loader", None))
            out.found_by = "sys.modules (already imported)"
            out.spec = spec
            if spec is not None and out.kind == "namespace package":
                out.portions = list(spec.submodule_search_locations or ())
            if winner is not None and winner.spec is not None and winner.spec.origin != out.origin:
                self.fresh = winner
        elif winner is not None and winner.spec is not None:
            spec = winner.spec
            out.found = True
            out.kind = winner.kind
            out.origin = spec.origin if spec.origin not in (None,) else None
            if winner.kind == "namespace package":
                out.origin = None
            out.loader = _short_repr(spec.loader)
            out.found_by = self.finder_won
        if not out.found:
            unique: set[str] = set()
            for ignored in self.ignored:
                if ignored.location not in unique:
                    unique.add(ignored.location)
                    out.suggestions.append(
                        f"{ignored.location} ({ignored.kind}) holds the name but is not "
                        f"importable: {ignored.why}"
                    )
            self._help()
            return
        if module is _MISSING and winner is not None:
            out.spec = winner.spec
        if out.origin and out.origin.endswith(tuple(BYTECODE_SUFFIXES)):
            out.notes.append(
                f"{out.origin} is bytecode without source (sourceless): it is what runs; if a "
                f"{self.tail or self.name}.py was meant to, it is missing"
            )
        if out.kind in ("module", "regular package", "extension") and out.origin:
            out.distribution = _distribution_for(out.origin, self.name.partition(".")[0])
        seen: set[str | None] = {out.origin, *out.portions}
        shadowed: list[Shadowed] = []
        if self.fresh is not None:
            # What is imported came from elsewhere (sys.path changed since, say): a new
            # interpreter, or an import after ``del sys.modules[name]``, would get this instead.
            seen.add(self.fresh.location)
            shadowed.append(
                Shadowed(
                    self.fresh.location,
                    self.fresh.kind,
                    f"FRESH IMPORT DIFFERS: {self.name!r} is already imported from "
                    f"{out.origin}, but a fresh import would find this first: "
                    f"{self._why_fresh()}",
                )
            )
        for loser in self.losers:
            if loser.location not in seen:  # the same folder twice on the path is no rival
                seen.add(loser.location)
                shadowed.append(Shadowed(loser.location, loser.kind, self._why(loser)))
        for ignored in self.ignored:
            if ignored.location not in seen:
                seen.add(ignored.location)
                shadowed.append(ignored)
        # What hides the standard library or an installed distribution is said first.
        shadowed.sort(
            key=lambda shadow: (
                not shadow.why.startswith("FRESH") and " This hides " not in shadow.why
            )
        )
        out.shadowed = shadowed

    def _why(self, loser: _Candidate) -> str:
        winner = self.winner
        assert winner is not None
        won = f"{winner.location}"
        if loser.kind == "namespace portion":
            return (
                f"a folder without __init__.py is only a namespace portion: a regular module or "
                f"package found anywhere on the path ({won}) wins over it"
            )
        what = ""
        if _in_stdlib(loser.location) and not _in_stdlib(winner.location):
            what = f" This hides the standard library's {self.name!r}: rename your file."
        elif _in_site_packages(loser.location) and not _in_site_packages(winner.location):
            dist = _distribution_for(loser.location, self.name.partition(".")[0])
            installed = f" (distribution {dist})" if dist else ""
            what = f" This hides the installed {self.name!r}{installed}: rename or move yours."
        if winner.entry is not None and loser.entry is not None:
            return (
                f"{winner.entry!r} comes before {loser.entry!r} on the path, so {won} wins.{what}"
            )
        return f"{self.finder_won} answers first, so {won} wins.{what}"

    def _why_fresh(self) -> str:
        fresh = self.fresh
        assert fresh is not None
        origin = self.out.origin or ""
        if _in_stdlib(origin) and not _in_stdlib(fresh.location):
            return (
                f"it hides the standard library's {self.name!r} for every new program run "
                f"from here: rename your file"
            )
        return f"found by {self.finder_won} before {origin}"

    def _help(self) -> None:
        out = self.out
        if out.blocked_by is not None:
            return
        difflib: Any = stdlib_import("difflib")
        name = self.name
        top, _, _ = name.partition(".")
        known = KNOWN_DISTRIBUTIONS.get(name) or KNOWN_DISTRIBUTIONS.get(top)
        if known:
            out.suggestions.append(
                f"{top!r} is provided by the distribution {known!r}: pip install {known}"
            )
        wanted = _normalise(top)
        for import_name, dist in KNOWN_DISTRIBUTIONS.items():
            if _normalise(dist) == wanted and import_name != top:
                out.suggestions.append(
                    f"{dist!r} is a distribution name; the module it installs is imported as "
                    f"{import_name!r}"
                )
        locations = sys.path if self.search is None else self.search
        for dist, tops in _installed_distributions(locations, wanted):
            if _normalise(dist) == wanted and top not in tops:
                shown = ", ".join(sorted(tops))
                out.suggestions.append(
                    f"the distribution {dist!r} is installed; import it as: {shown}"
                )
        if self.parent:
            pool = set(_names_in(locations))
        else:
            pool = set(sys.builtin_module_names) | set(sys.stdlib_module_names)
            pool |= set(_names_in(locations))
            pool |= {
                rule.key.partition(".")[0] for rule in ROUTER.all_rules() if rule.key is not None
            }
        word = self.tail or name
        # A ratio of at least 0.75 needs the shorter name to be at least 0.6 of the longer:
        # the names failing that are dropped before difflib compares anything.
        low, high = len(word) * 0.6, len(word) / 0.6
        pool = {c for c in pool if low <= len(c) <= high}
        close = difflib.get_close_matches(word, sorted(pool), n=5, cutoff=0.75)
        if close:
            prefix = f"{self.parent}." if self.parent else ""
            shown = ", ".join(prefix + c for c in close)
            out.suggestions.append(f"close names that can be imported: {shown}")
        if not out.suggestions and not self.ignored:
            out.suggestions.append(
                f"no module named {name!r} anywhere on the path: install the distribution that "
                f"provides it, or add its folder to sys.path (PYTHONPATH)"
            )


_MISSING = object()


def stdlib_import(name: str) -> object:
    """The standard library's module ``name``, loaded from the standard library's folder.

    A plain import would search ``sys.path`` first, where a user's ``difflib.py`` next to the
    script would run: the very thing explain() must never do. ``heapq``, which ``difflib``
    imports, is loaded the same way first.
    """
    module = sys.modules.get(name)
    if module is not None:
        return module
    if name == "difflib":
        stdlib_import("heapq")
    import importlib.util

    folder = os.path.dirname(os.__file__)
    finder = sys.path_importer_cache.get(folder)
    if not isinstance(finder, FileFinder):
        finder = FileFinder(folder, (SourceFileLoader, SOURCE_SUFFIXES))
    spec = finder.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(f"the standard library has no module {name!r} in {folder}", name=name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _serves(rule: Rule, top: str) -> bool:
    try:
        return rule.serves_top(top)
    except Exception:
        return True


def _short_repr(obj: object) -> str:
    if obj is None:
        return "None"
    if isinstance(obj, type):
        return f"{obj.__module__}.{obj.__qualname__}"
    text = repr(obj)
    if text.startswith("<") and " object at 0x" in text:
        return type(obj).__qualname__
    return text if len(text) <= 120 else text[:117] + "..."


def _kind(spec: ModuleSpec) -> str:
    origin = spec.origin
    if origin == "built-in":
        return "builtin"
    if origin == "frozen":
        return "frozen"
    locations = spec.submodule_search_locations
    if spec.loader is None or (locations is not None and origin in (None, "namespace")):
        return "namespace package"
    if locations is not None:
        return "regular package"
    if isinstance(spec.loader, ExtensionFileLoader):
        return "extension"
    return "module"


def _finder_from_hooks(hooks: list[Any], key: str) -> tuple[object | None, str]:
    """The finder the first willing path hook makes for ``key``, and which hook it was."""
    for index, hook in enumerate(hooks):
        try:
            finder = hook(key)
        except ImportError:
            continue
        except Exception as exc:
            return None, f"sys.path_hooks[{index}] {_short_repr(hook)} raised {exc!r}"
        return finder, f"made by sys.path_hooks[{index}] ({_hook_name(hook)}); not cached"
    return None, "no sys.path_hooks entry accepts it (Python caches None for it)"


def _hook_name(hook: object) -> str:
    name = getattr(hook, "__qualname__", None) or type(hook).__qualname__
    if "FileFinder" in name:
        return "FileFinder.path_hook"
    return name


def _changes_path(init: str) -> bool:
    try:
        with open(init, "rb") as file:
            text = file.read(200_000)
    except OSError:
        return False
    return b"__path__" in text or b"extend_path" in text


def _stdlib_dirs() -> tuple[str, ...]:
    base = os.path.dirname(os.__file__)
    return (base + os.sep,)


def _in_stdlib(location: str) -> bool:
    if location.startswith(("the builtin", "the frozen")):
        return True
    norm = os.path.abspath(location)
    return norm.startswith(_stdlib_dirs()) and not _in_site_packages(norm)


def _in_site_packages(location: str) -> bool:
    parts = location.replace("\\", "/").split("/")
    return "site-packages" in parts or "dist-packages" in parts


def _normalise(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _names_in(locations: Sequence[str]) -> list[str]:
    """The top-level module names the folders in ``locations`` hold (listed, never imported)."""
    found: list[str] = []
    cache = sys.path_importer_cache
    for entry in locations:
        folder = entry or "."
        listed = getattr(cache.get(folder), "_path_cache", None)
        if isinstance(listed, set) and listed:
            names: Iterable[str] = listed  # the listing the FileFinder holds already
        else:
            try:
                names = os.listdir(folder)
            except (OSError, TypeError):
                continue
        for filename in names:
            stem, dot, _ = filename.partition(".")
            if (not dot or filename.endswith(_ALL_SUFFIXES)) and stem.isidentifier():
                found.append(stem)
    return found


def _installed_distributions(
    locations: Sequence[str], wanted: str | None = None
) -> list[tuple[str, set[str]]]:
    """(distribution, its top-level import names) for the ``*.dist-info`` in ``locations``.

    Only the distributions whose normalised name is ``wanted``, if given.

    Read by hand from ``top_level.txt`` or ``RECORD``: ``importlib.metadata`` would import
    ``email`` and ``random``, which a user's file could hide.
    """
    found: list[tuple[str, set[str]]] = []
    for entry in locations:
        folder = entry or "."
        try:
            names = os.listdir(folder)
        except (OSError, TypeError):
            continue
        for filename in names:
            if filename.endswith(".dist-info"):
                dist = filename[: -len(".dist-info")].rpartition("-")[0] or filename
                if wanted is not None and _normalise(dist) != wanted:
                    continue
                found.append((dist, _top_levels(os.path.join(folder, filename))))
    return found


def _top_levels(info: str) -> set[str]:
    try:
        with open(os.path.join(info, "top_level.txt"), encoding="utf-8") as file:
            return {line.strip() for line in file if line.strip()}
    except OSError:
        pass
    tops: set[str] = set()
    try:
        with open(os.path.join(info, "RECORD"), encoding="utf-8") as file:
            for line in file:
                path = line.partition(",")[0]
                first, sep, _ = path.partition("/")
                if sep and first.isidentifier() and not first.endswith(".dist-info"):
                    tops.add(first)
                elif not sep and path.endswith(".py"):
                    stem = path[:-3]
                    if stem.isidentifier():
                        tops.add(stem)
    except OSError:
        pass
    return tops


def _distribution_for(location: str, top: str) -> str | None:
    """The distribution in ``location``'s site-packages folder that installs ``top``."""
    if not _in_site_packages(location):
        return None
    folder = os.path.dirname(location)
    parts = location.split(os.sep)
    for index in range(len(parts) - 1, 0, -1):
        if parts[index] in ("site-packages", "dist-packages"):
            folder = os.sep.join(parts[: index + 1])
            break
    for dist, tops in _installed_distributions([folder]):
        if top in tops:
            return dist
    return None
