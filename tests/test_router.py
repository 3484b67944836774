"""The router: rule index, the miss path, delegation to later finders, fallback, threads."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import traceback
import types
from collections.abc import Sequence
from importlib.machinery import ModuleSpec, PathFinder, SourceFileLoader
from pathlib import Path
from typing import Any, Literal

import pytest

import importcraft
from importcraft.core._loaders import WrappingLoader, wrap_loader
from importcraft.core._router import DECORATE, RESOLVE, ROUTER, Rule, add_rules

from .conftest import run_python, settle_coverage


class RecordingSource(importcraft.Source):
    """A source with fixed module names that records every question it is asked."""

    label = "recording"

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.asked: list[str] = []

    def roots(self) -> list[str]:
        return sorted({n.partition(".")[0] for n in self.names if n})

    def lookup(self, name: str) -> Literal["module", "package"] | None:
        self.asked.append(name)
        if name in self.names:
            return "module"
        if name == "" or any(n.startswith(name + ".") for n in self.names):
            return "package"
        return None

    def get_source(self, name: str) -> str:
        return self.names.get(name, "")


class RecordingFinder:
    """A meta-path finder that records the names it is asked about and finds nothing."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        self.asked.append(fullname)


class CountingLoader(WrappingLoader):
    runs = 0

    def run(self, module: types.ModuleType) -> None:
        type(self).runs += 1
        module.seen_loader = module.__loader__  # type: ignore[attr-defined]
        super().run(module)


class CountingRule(Rule):
    """A decorating rule like the transform / post-import / lazy rules of later features."""

    def __init__(self, key: str, exact: bool = False) -> None:
        super().__init__(DECORATE, key, exact=exact)
        self.decorated: list[str] = []

    def decorate(self, spec: ModuleSpec) -> ModuleSpec:
        self.decorated.append(spec.name)
        return wrap_loader(spec, CountingLoader)


@pytest.fixture
def counting_rule() -> Any:
    rules: list[Rule] = []

    def add(key: str, exact: bool = False) -> CountingRule:
        rule = CountingRule(key, exact)
        ROUTER.add([rule])
        rules.append(rule)
        return rule

    CountingLoader.runs = 0
    yield add
    ROUTER.remove(rules)


# -- the miss path --------------------------------------------------------------------------


def test_a_miss_asks_no_source_and_no_other_finder() -> None:
    source = RecordingSource({"served.mod": "x = 1"})
    importcraft.install(source)
    after = RecordingFinder()
    sys.meta_path.append(after)
    assert ROUTER.find_spec("unserved") is None
    assert ROUTER.find_spec("unserved.deeper.name") is None
    assert ROUTER.find_spec("servedx") is None, "a shared prefix of characters is not a match"
    assert source.asked == []
    assert after.asked == []


def test_a_miss_stays_free_with_ten_thousand_rules() -> None:
    sources = [RecordingSource({f"pkg{i}.mod": ""}) for i in range(10_000)]
    for source in sources:
        importcraft.install(source)
    assert ROUTER.find_spec("colorsys") is None
    importlib.import_module("colorsys")
    assert ROUTER.rules_for("pkg7.mod") == ROUTER.rules_for("pkg7")
    assert len(ROUTER.rules_for("pkg7.mod")) == 1
    assert all(source.asked == [] for source in sources)


def test_a_miss_under_a_directory_source_touches_no_file_of_it(tmp_path: Path) -> None:
    (tmp_path / "pkg_here").mkdir()
    (tmp_path / "pkg_here" / "__init__.py").write_text("")
    result = run_python(
        """
        import sys, importcraft
        root = sys.argv[1]
        touched = []
        def audit(event, args):
            if event in ("os.listdir", "os.scandir", "open") and args and root in str(args[0]):
                touched.append((event, args[0]))
        importcraft.install(importcraft.DirectorySource(root))
        sys.addaudithook(audit)
        import colorsys, json, email.mime.text
        print(touched)
        """,
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


class ChoosyRule(Rule):
    """A resolving rule covering every name that serves the top-level names in ``tops``."""

    def __init__(self, tops: set[str]) -> None:
        super().__init__(RESOLVE, None)
        self.tops = tops
        self.asked_tops: list[str] = []
        self.asked_names: list[str] = []

    def serves_top(self, top: str) -> bool:
        self.asked_tops.append(top)
        return top in self.tops

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None
    ) -> ModuleSpec | None:
        self.asked_names.append(fullname)
        if fullname.partition(".")[0] not in self.tops:
            return None
        return importlib.util.spec_from_loader(fullname, TextLoader(f"NAME = {fullname!r}"))


class TextLoader:
    def __init__(self, text: str) -> None:
        self.text = text

    def create_module(self, spec: ModuleSpec) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        exec(self.text, module.__dict__)


def test_a_rule_covering_every_name_is_asked_only_about_the_names_it_wants() -> None:
    rule = ChoosyRule({"choosy_served"})
    ROUTER.add([rule])
    assert ROUTER.find_spec("colorsys") is None
    assert ROUTER.find_spec("colorsys.deeper") is None
    assert rule.asked_names == [], "a top-level name it does not want misses at once"
    assert rule.asked_tops == ["colorsys"], "its answer is kept per top-level name"
    import choosy_served  # type: ignore[import-not-found]

    assert choosy_served.NAME == "choosy_served"
    assert rule.asked_names == ["choosy_served"]


def test_a_rule_covering_every_name_is_asked_again_once_caches_are_invalidated() -> None:
    rule = ChoosyRule(set())
    ROUTER.add([rule])
    with pytest.raises(ModuleNotFoundError):
        import choosy_later  # type: ignore[import-not-found]
    rule.tops.add("choosy_later")  # what it can serve changed
    with pytest.raises(ModuleNotFoundError):
        import choosy_later  # the old answer holds until the caches go
    importlib.invalidate_caches()
    import choosy_later

    assert choosy_later.NAME == "choosy_later"
    assert rule.asked_tops == ["choosy_later", "choosy_later"]


def test_a_new_rule_covering_every_name_is_asked_about_names_refused_before() -> None:
    ROUTER.add([ChoosyRule(set())])
    assert ROUTER.find_spec("choosy_new") is None
    rule = ChoosyRule({"choosy_new"})
    ROUTER.add([rule])
    spec = ROUTER.find_spec("choosy_new")
    assert spec is not None
    assert spec.name == "choosy_new"
    assert rule.asked_tops == ["choosy_new"]


def test_a_source_that_does_not_know_its_names_is_asked_about_every_import() -> None:
    source = RecordingSource({"anything": ""})
    source.roots = lambda: None  # type: ignore[assignment, method-assign, return-value]
    importcraft.install(source)
    assert ROUTER.find_spec("colorsys") is None
    assert ROUTER.find_spec("colorsys") is None
    assert source.asked == ["colorsys", "colorsys"]


# -- which rule answers ---------------------------------------------------------------------


def test_a_prefix_rule_covers_the_name_and_below_but_not_siblings() -> None:
    source = RecordingSource({"": "", "inner": "x = 1"})
    importcraft.mount("a.b", source)
    covered = ["a.b", "a.b.inner", "a.b.inner.deep"]
    not_covered = ["a", "a.bc", "a.c", "b"]
    assert [bool(ROUTER.rules_for(n)) for n in covered] == [True] * 3
    assert [bool(ROUTER.rules_for(n)) for n in not_covered] == [False] * 4


def test_the_newest_source_wins_for_the_same_name() -> None:
    importcraft.virtual({"shared": "who = 'first'"})
    importcraft.virtual({"shared": "who = 'second'"})
    import shared

    assert shared.who == "second"


@pytest.mark.parametrize("mount_first", [True, False])
def test_a_more_specific_prefix_wins_whatever_the_order(mount_first: bool) -> None:
    def mount() -> None:
        importcraft.mount("ns.sub", importcraft.DictSource({"x": "who = 'mount'"}))

    if mount_first:
        mount()
    importcraft.virtual({"ns.sub.x": "who = 'virtual'"})
    if not mount_first:
        mount()
    assert importlib.import_module("ns.sub.x").who == "mount"


def test_a_name_one_source_lacks_goes_to_the_next_source() -> None:
    importcraft.virtual({"split.left": "side = 'left'"})
    importcraft.virtual({"split.right": "side = 'right'"})
    assert importlib.import_module("split.left").side == "left"
    assert importlib.import_module("split.right").side == "right"


# -- delegation to the finders after the router -----------------------------------------------


def test_decorating_a_module_found_on_sys_path(tree: Any, counting_rule: Any) -> None:
    root = tree({"plainmod.py": "value = 42\n"})
    sys.path.insert(0, str(root))
    rule = counting_rule("plainmod")
    import plainmod

    assert plainmod.value == 42
    assert rule.decorated == ["plainmod"]
    assert CountingLoader.runs == 1
    assert isinstance(plainmod.seen_loader, CountingLoader), "the wrapper ran the module"
    assert type(plainmod.__loader__) is SourceFileLoader, "the original loader is handed back"
    assert type(plainmod.__spec__.loader) is SourceFileLoader
    assert plainmod.__file__ == str(root / "plainmod.py")


class EditableFinder:
    """Like the finders editable installs put on sys.meta_path: maps names to a folder."""

    def __init__(self, folder: Path, names: set[str]) -> None:
        self.folder = folder
        self.names = names
        self.router_present: list[bool] = []

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> Any:
        if fullname not in self.names:
            return None
        self.router_present.append(any(f is ROUTER for f in sys.meta_path))
        return PathFinder.find_spec(fullname, [str(self.folder)])


def test_delegation_keeps_other_meta_path_finders_working(tree: Any, counting_rule: Any) -> None:
    folder = tree({"edmod.py": "value = 'editable'\n"})
    finder = EditableFinder(folder, {"edmod"})
    sys.meta_path.append(finder)
    counting_rule("edmod")
    import edmod

    assert edmod.value == "editable"
    assert CountingLoader.runs == 1
    assert finder.router_present == [True], "the router never leaves sys.meta_path to delegate"


class LookItUpAgainFinder:
    """A hand-written hook that finds 'the real spec' through importlib.util.find_spec."""

    def __init__(self) -> None:
        self.busy = False
        self.calls = 0

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> Any:
        self.calls += 1
        if self.busy or fullname != "lookedup":
            return None
        self.busy = True
        try:
            return importlib.util.find_spec(fullname)
        finally:
            self.busy = False


def test_a_finder_that_looks_the_name_up_again_gets_no_second_router_pass(
    tree: Any, counting_rule: Any
) -> None:
    sys.path.insert(0, str(tree({"lookedup.py": "value = 1\n"})))
    finder = LookItUpAgainFinder()
    sys.meta_path.insert(len(sys.meta_path) - 1, finder)
    rule = counting_rule("lookedup")
    import lookedup

    assert lookedup.value == 1
    assert rule.decorated == ["lookedup"], "decorated once, not once per nested lookup"
    assert CountingLoader.runs == 1


def test_delegation_asks_finders_that_only_have_find_module(counting_rule: Any) -> None:
    class OldFinder:
        def find_module(self, fullname: str, path: object = None) -> Any:
            return self if fullname == "oldstyle" else None

        def load_module(self, fullname: str) -> types.ModuleType:
            module = sys.modules.setdefault(fullname, types.ModuleType(fullname))
            module.origin = "old finder"  # type: ignore[attr-defined]
            return module

    sys.meta_path.append(OldFinder())  # type: ignore[arg-type]
    counting_rule("oldstyle")
    import oldstyle

    assert oldstyle.origin == "old finder"
    assert CountingLoader.runs == 1


def test_delegation_finding_nothing_gives_the_usual_error(counting_rule: Any) -> None:
    counting_rule("nowhere_at_all")
    with pytest.raises(ModuleNotFoundError, match="No module named 'nowhere_at_all'"):
        import nowhere_at_all  # noqa: F401


def test_an_exact_decorating_rule_does_not_cover_submodules(tree: Any, counting_rule: Any) -> None:
    sys.path.insert(0, str(tree({"epkg/__init__.py": "", "epkg/sub.py": ""})))
    rule = counting_rule("epkg", exact=True)
    importlib.import_module("epkg.sub")
    assert rule.decorated == ["epkg"]


def test_rules_that_come_and_go_between_imports_of_one_package_take_effect(
    tree: Any, counting_rule: Any
) -> None:
    # The router keeps what it worked out for a package's rules; a change must show at once.
    files = {"planpkg/__init__.py": "", **{f"planpkg/{m}.py": "" for m in "abcd"}}
    sys.path.insert(0, str(tree(files)))
    first = counting_rule("planpkg")
    importlib.import_module("planpkg.a")
    second = counting_rule("planpkg")
    importlib.import_module("planpkg.b")
    ROUTER.remove([second])
    blocked = importcraft.block("planpkg.c")
    with pytest.raises(importcraft.ImportBlockedError):
        importlib.import_module("planpkg.c")
    blocked.remove()
    importlib.import_module("planpkg.c")
    importlib.import_module("planpkg.d")
    assert first.decorated == ["planpkg", "planpkg.a", "planpkg.b", "planpkg.c", "planpkg.d"]
    assert second.decorated == ["planpkg.b"]


def test_wrapping_loader_hands_back_the_loader_even_when_the_body_raises(
    tree: Any, counting_rule: Any
) -> None:
    sys.path.insert(0, str(tree({"badbody.py": "raise RuntimeError('boom')\n"})))
    counting_rule("badbody")
    with pytest.raises(RuntimeError, match="boom"):
        import badbody  # noqa: F401
    assert "badbody" not in sys.modules


# -- fallback -------------------------------------------------------------------------------


def test_a_fallback_source_serves_only_what_nothing_else_finds(tree: Any) -> None:
    sys.path.insert(0, str(tree({"realmod.py": "where = 'file'\n"})))
    importcraft.install(
        importcraft.DictSource({"realmod": "where = 'fallback'", "onlyhere": "where = 'fallback'"}),
        fallback=True,
    )
    import onlyhere
    import realmod

    assert realmod.where == "file"
    assert onlyhere.where == "fallback"


def test_a_normal_source_shadows_a_file_on_sys_path(tree: Any) -> None:
    sys.path.insert(0, str(tree({"shadowed.py": "where = 'file'\n"})))
    importcraft.virtual({"shadowed": "where = 'virtual'"})
    import shadowed

    assert shadowed.where == "virtual"


# -- threads ----------------------------------------------------------------------------------


class ThreadModuleFinder:
    """Serves thr_I_K from the file thr_I.py of a folder; sits right behind the router."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: Any = None
    ) -> Any:
        if not fullname.startswith("thr_"):
            return None
        file = self.folder / (fullname.rpartition("_")[0] + ".py")
        return importlib.util.spec_from_file_location(fullname, file)


def test_hooks_can_come_and_go_while_other_threads_import(tree: Any) -> None:
    folder = tree({f"thr_{i}.py": f"n = {i}\n" for i in range(8)})
    sys.meta_path.insert(0, ThreadModuleFinder(folder))  # type: ignore[arg-type]
    stop = threading.Event()
    errors: list[BaseException] = []

    def importer(i: int) -> None:
        k = 0
        try:
            while not stop.is_set():
                k += 1
                name = f"thr_{i}_{k}"
                assert importlib.import_module(name).n == i
                del sys.modules[name]
        except BaseException as exc:
            errors.append(exc)
            stop.set()

    def churn() -> None:
        n = 0
        try:
            while not stop.is_set():
                n += 1
                name = f"churn_{n}"
                # Each hook is the only rule, so the router enters and leaves sys.meta_path.
                with importcraft.virtual({name: f"n = {n}"}):
                    assert importlib.import_module(name).n == n
                sys.modules.pop(name, None)
        except BaseException as exc:
            errors.append(exc)
            stop.set()

    settle_coverage("thr_0_0")
    threads = [threading.Thread(target=importer, args=(i,)) for i in range(8)]
    threads += [threading.Thread(target=churn) for _ in range(2)]
    for thread in threads:
        thread.start()
    stop.wait(1.5)
    stop.set()
    for thread in threads:
        thread.join()
    assert errors == [], "".join(traceback.format_exception(errors[0]))


class _Serves(Rule):
    """Serves one name as an empty namespace-like package (a rule as features make them)."""

    def __init__(self, name: str) -> None:
        super().__init__(RESOLVE, name, exact=True)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None
    ) -> ModuleSpec | None:
        return importlib.util.spec_from_loader(fullname, loader=None, is_package=True)


def test_add_rules_with_a_further_change_is_all_or_nothing() -> None:
    made: list[str] = []

    def change() -> Any:
        made.append("done")
        return lambda: made.append("undone")

    def failing_change() -> Any:
        raise RuntimeError("the feature's own change failed")

    with importcraft.isolated():
        hooks_before = importcraft.hooks()
        with pytest.raises(RuntimeError, match="own change failed"):
            add_rules("failing", [_Serves("ic_also_failing")], also=failing_change)
        assert importcraft.hooks() == hooks_before
        assert importlib.util.find_spec("ic_also_failing") is None  # the rule went out again

        hook = add_rules("served", [_Serves("ic_also_ok")], also=change)
        assert made == ["done"]
        assert importlib.util.find_spec("ic_also_ok") is not None
        hook.remove()
        assert made == ["done", "undone"]
        assert importlib.util.find_spec("ic_also_ok") is None
