"""alias() and deprecate_attribute()."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
import types
import warnings
from typing import Any

import pytest

import importcraft

from .conftest import run_python

NEW = {"newlib": "WHO = 'newlib'", "newlib.sub": "X = 1", "newlib.sub.deep": "Y = 2"}


@pytest.fixture
def newlib() -> None:
    importcraft.virtual(NEW)


@pytest.mark.usefixtures("newlib")
@pytest.mark.parametrize("new_first", [True, False])
def test_the_alias_is_the_very_object_whichever_is_imported_first(new_first: bool) -> None:
    importcraft.alias("oldlib", "newlib")
    if new_first:
        import newlib
        import oldlib
    else:
        import oldlib

        assert "newlib" in sys.modules, "importing the alias imports the target"
        import newlib
    assert oldlib is newlib
    assert newlib.__name__ == "newlib"
    assert newlib.__spec__.name == "newlib"
    assert sys.modules["oldlib"] is newlib


@pytest.mark.usefixtures("newlib")
def test_submodules_follow_in_every_import_form() -> None:
    importcraft.alias("oldlib", "newlib")
    import oldlib.sub.deep
    from oldlib.sub import X

    assert oldlib.sub.deep is sys.modules["newlib.sub.deep"]
    assert X == 1
    assert importlib.import_module("oldlib.sub") is sys.modules["newlib.sub"]
    assert sys.modules["newlib.sub"].__spec__.name == "newlib.sub"
    assert sys.modules["newlib.sub.deep"].__name__ == "newlib.sub.deep"


@pytest.mark.usefixtures("newlib")
def test_from_the_alias_import_a_submodule() -> None:
    importcraft.alias("oldlib", "newlib")
    from oldlib import sub

    assert sub is sys.modules["newlib.sub"]


@pytest.mark.usefixtures("newlib")
def test_reload_through_the_alias_reloads_the_target() -> None:
    importcraft.alias("oldlib", "newlib")
    import oldlib

    assert importlib.reload(oldlib) is sys.modules["newlib"]


def test_an_alias_of_a_file_module_keeps_its_identity(tree: Any) -> None:
    sys.path.insert(0, str(tree({"realnew/__init__.py": "", "realnew/part.py": "P = 3\n"})))
    importcraft.alias("realold", "realnew")
    import realnew.part
    import realold.part

    assert realold.part is realnew.part
    assert realnew.part.__file__.endswith("part.py")
    assert type(realnew.part.__spec__.loader).__name__ == "SourceFileLoader"


def test_a_missing_target_names_both_modules() -> None:
    importcraft.alias("gone_old", "gone_new")
    with pytest.raises(ModuleNotFoundError) as info:
        import gone_old  # noqa: F401
    message = str(info.value)
    assert "No module named 'gone_new'" in message
    assert "'gone_old'" in message
    assert info.value.name == "gone_old"
    assert "gone_old" not in sys.modules


def test_an_error_inside_the_target_is_its_own() -> None:
    importcraft.virtual({"brokennew": "import not_there_at_all"})
    importcraft.alias("brokenold", "brokennew")
    with pytest.raises(ModuleNotFoundError) as info:
        import brokenold  # noqa: F401
    assert info.value.name == "not_there_at_all"


@pytest.mark.parametrize(
    ("aliases", "message"),
    [
        ([("a", "b"), ("b", "a")], r"alias\('b', 'a'\) makes a cycle: b -> a -> b \("),
        ([("a", "b"), ("b", "c"), ("c", "a")], "makes a cycle: c -> a -> b -> c "),
        ([("a", "b"), ("b.x", "a.x")], "makes a cycle: b.x -> a.x -> b.x "),
        # Cycles through a package alias, which covers the modules under it: the name grows.
        ([("a", "b.x"), ("b", "a")], r"makes a cycle: b -> a -> b\.x -> a\.x -> b\.x\.x -> \.\.\."),
        ([("b", "a"), ("a", "b.x")], "makes a cycle: a -> b.x -> a.x -> b.x.x -> "),
        ([("a", "b"), ("b.c", "a.c.c")], "makes a cycle: b.c -> a.c.c -> b.c.c -> "),
        # ... also when a more specific alias applies first today: removing it would let the
        # package alias apply, so it must not be able to make a cycle either.
        ([("a", "b.x"), ("b.x", "c"), ("b", "a")], r"makes a cycle: b -> a -> b\.x"),
        ([("a", "a.inner")], "the target is inside the alias"),
        ([("a", "a")], "the target is inside the alias"),
    ],
)
def test_cycles_are_refused_when_installed(aliases: list[tuple[str, str]], message: str) -> None:
    *fine, last = aliases
    for old, new in fine:
        importcraft.alias(old, new)
    count = len(importcraft.hooks())
    with pytest.raises(ValueError, match=message):
        importcraft.alias(*last)
    assert len(importcraft.hooks()) == count


@pytest.mark.parametrize(
    "aliases",
    [
        [("new.legacy", "new")],  # new.legacy.legacy -> new.legacy -> new: shorter each time
        [("a.x", "b"), ("b", "a")],  # b -> a, b.x -> a.x -> b: ends
        [("old", "new"), ("new.legacy", "new.modern")],
    ],
)
def test_aliases_that_always_end_are_accepted(aliases: list[tuple[str, str]]) -> None:
    importcraft.virtual({"new": "", "new.modern": "", "a": "", "a.inner": "", "b": ""})
    for old, new in aliases:
        importcraft.alias(old, new)
    first = aliases[0][0]
    assert importlib.import_module(first) is sys.modules[_resolved(first, aliases)]


def _resolved(name: str, aliases: list[tuple[str, str]]) -> str:
    table = dict(aliases)
    while True:
        covering = [old for old in table if name == old or name.startswith(old + ".")]
        if not covering:
            return name
        old = max(covering, key=len)
        name = table[old] + name[len(old) :]


def test_a_cycle_through_a_package_alias_fails_instead_of_hanging() -> None:
    code = textwrap.dedent(
        """
        import importcraft
        importcraft.alias("a", "b.x")
        try:
            importcraft.alias("b", "a")
        except ValueError as exc:
            print(exc)
        print(len(importcraft.hooks()))
        """
    )
    # A regression loops forever (growing memory): the timeout turns it into a failure.
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    first, count = result.stdout.splitlines()
    assert first.startswith("alias('b', 'a') makes a cycle: b -> a -> b.x -> a.x")
    assert count == "1"


def test_registering_many_aliases_with_shared_packages() -> None:
    # Aliases inside one package and pointing into another: every check walks a few names.
    importcraft.virtual({"target": "", "target.m5": "V = 5"})
    for i in range(300):
        importcraft.alias(f"source.m{i}", f"target.m{i}")
    importcraft.alias("source", "target")
    assert importlib.import_module("source.m5").V == 5
    with pytest.raises(ValueError, match="makes a cycle"):
        importcraft.alias("target.m7", "source.m7")


def test_bad_names_are_refused() -> None:
    with pytest.raises(ValueError, match="alias name 'not valid'"):
        importcraft.alias("not valid", "x")
    with pytest.raises(ValueError, match="alias target '1x'"):
        importcraft.alias("x", "1x")
    with pytest.raises(TypeError, match="must be a Warning subclass"):
        importcraft.alias("x", "y", category=ValueError)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"alias\(\) message must be a str or None"):
        importcraft.alias("x", "y", message=1)  # type: ignore[arg-type]
    assert importcraft.hooks() == []


@pytest.mark.usefixtures("newlib")
def test_aliasing_a_name_already_imported_warns() -> None:
    importcraft.virtual({"already": ""})
    import already  # noqa: F401

    with pytest.warns(importcraft.ImportcraftWarning, match="'already' is already imported"):
        importcraft.alias("already", "newlib")


# -- deprecated aliases ------------------------------------------------------------------------


@pytest.mark.usefixtures("newlib")
def test_a_deprecated_alias_warns_at_the_importing_line() -> None:
    importcraft.alias("oldlib", "newlib", deprecated=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")  # once per site: 'oldlib' and 'oldlib.sub' are one
        import oldlib.sub  # the line the warning must name
    line = sys._getframe().f_lineno - 1
    assert [w.category for w in caught] == [DeprecationWarning]
    warning = caught[0]
    assert str(warning.message) == "the module 'oldlib' is deprecated; import 'newlib' instead"
    assert (warning.filename, warning.lineno) == (__file__, line)
    assert oldlib.sub is sys.modules["newlib.sub"]


@pytest.mark.usefixtures("newlib")
def test_a_custom_message_and_category() -> None:
    importcraft.alias(
        "oldlib", "newlib", deprecated=True, message="use newlib", category=FutureWarning
    )
    with pytest.warns(FutureWarning, match="^use newlib$"):
        importlib.import_module("oldlib")


def test_default_filters_show_the_warning_in_main_once_per_line() -> None:
    result = run_python(
        """
        import importcraft, importlib, sys
        importcraft.virtual({"newlib": "", "newlib.a": "", "newlib.b": ""})
        importcraft.alias("oldlib", "newlib", deprecated=True)
        import oldlib.a
        import oldlib.b
        importlib.import_module("oldlib.a")
        """
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "DeprecationWarning" in line]
    # oldlib and oldlib.a on line 5 share a message: shown once; oldlib.b on line 6.
    text = "DeprecationWarning: the module 'oldlib' is deprecated; import 'newlib' instead"
    assert lines == [f"<string>:5: {text}", f"<string>:6: {text}"]


def test_the_warning_points_at_the_user_line_on_this_python_in_a_module(tree: Any) -> None:
    root = tree({"user_code.py": "import importlib\n\nimport oldlib\n"})
    result = run_python(
        """
        import sys, warnings, importcraft
        sys.path.insert(0, sys.argv[1])
        importcraft.virtual({"newlib": ""})
        importcraft.alias("oldlib", "newlib", deprecated=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            import user_code
        print(caught[0].filename, caught[0].lineno)
        """,
        str(root),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(root / "user_code.py"), "3"]


# -- deprecate_attribute ------------------------------------------------------------------------


def test_reading_a_deprecated_attribute_warns_at_the_reading_line() -> None:
    importcraft.virtual({"mylib": "OldClient = 'old'\nclass Client: pass\n"})
    import mylib

    importcraft.deprecate_attribute("mylib", "OldClient", replacement="mylib:Client")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = mylib.OldClient
    line = sys._getframe().f_lineno - 1
    assert value is mylib.Client
    assert str(caught[0].message) == "mylib.OldClient is deprecated; use mylib.Client instead"
    assert (caught[0].filename, caught[0].lineno) == (__file__, line)
    with pytest.warns(DeprecationWarning, match="OldClient"):
        from mylib import OldClient
    assert OldClient is mylib.Client


def test_without_replacement_the_value_is_kept() -> None:
    importcraft.virtual({"keeplib": "LIMIT = 10"})
    import keeplib

    hook = importcraft.deprecate_attribute(keeplib, "LIMIT", message="LIMIT goes away in 2.0")
    with pytest.warns(DeprecationWarning, match="^LIMIT goes away in 2.0$"):
        assert keeplib.LIMIT == 10
    hook.remove()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert keeplib.LIMIT == 10
    assert "__getattr__" not in vars(keeplib)


def test_a_module_getattr_that_exists_keeps_working() -> None:
    importcraft.virtual(
        {
            "dyn": "def __getattr__(name):\n    if name == 'magic':\n        return 42\n"
            "    raise AttributeError(name)\nold = 1\n"
        }
    )
    import dyn

    hook = importcraft.deprecate_attribute("dyn", "old", replacement="dyn:magic")
    assert dyn.magic == 42
    with pytest.warns(DeprecationWarning, match=r"^dyn\.old is deprecated; use dyn\.magic"):
        assert dyn.old == 42
    with pytest.raises(AttributeError):
        dyn.nothing
    hook.remove()
    assert dyn.__getattr__("magic") == 42
    assert dyn.old == 1


def test_a_module_not_imported_yet_gets_it_when_imported_and_after_reload() -> None:
    importcraft.deprecate_attribute("later", "OLD", replacement="later:NEW")
    importcraft.virtual({"later": "OLD = 'old'\nNEW = 'new'\n"})
    import later

    with pytest.warns(DeprecationWarning, match=r"later\.OLD"):
        assert later.OLD == "new"
    importlib.reload(later)
    with pytest.warns(DeprecationWarning, match=r"later\.OLD"):
        assert later.OLD == "new"


def test_two_deprecations_on_one_module_come_off_in_any_order() -> None:
    importcraft.virtual({"two": "A = 1\nB = 2\n"})
    import two

    first = importcraft.deprecate_attribute("two", "A")
    second = importcraft.deprecate_attribute("two", "B")
    first.remove()
    assert two.A == 1
    with pytest.warns(DeprecationWarning, match="two.B"):
        assert two.B == 2
    second.remove()
    assert vars(two)["B"] == 2
    assert "__getattr__" not in vars(two)


def test_deprecating_nothing_is_refused_at_once() -> None:
    importcraft.virtual({"plain": "x = 1"})
    import plain  # noqa: F401

    with pytest.raises(AttributeError, match="no attribute 'nope' to deprecate"):
        importcraft.deprecate_attribute("plain", "nope")
    assert importcraft.hooks() == [importcraft.hooks()[0]]


@pytest.mark.parametrize("replacement", ["no_colon", "pkg:", "pkg:1bad", "bad mod:x"])
def test_a_malformed_replacement_is_refused(replacement: str) -> None:
    with pytest.raises(ValueError, match=r"replacement|not a valid"):
        importcraft.deprecate_attribute("m", "x", replacement=replacement)


def test_the_module_own_code_keeps_reading_a_deprecated_global() -> None:
    importcraft.virtual(
        {
            "ownlib": "LIMIT = 10\ndef limit():\n    return LIMIT\ndef grow():\n    global LIMIT\n"
            "    LIMIT += 1\n"
        }
    )
    import ownlib

    importcraft.deprecate_attribute("ownlib", "LIMIT")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ownlib.limit() == 10, "the module's own functions read it without a warning"
        ownlib.grow()
        assert ownlib.limit() == 11
    with pytest.warns(DeprecationWarning, match=r"^ownlib\.LIMIT is deprecated$"):
        assert ownlib.LIMIT == 11, "reading from outside gives the value the module has now"
    with pytest.warns(DeprecationWarning, match="LIMIT"):
        from ownlib import LIMIT
    assert LIMIT == 11


def test_a_deprecation_removed_inside_isolated_is_back_after_it() -> None:
    importcraft.virtual({"isolib": "OLD = 1\nNEW = 2\n", "isorep": "OLD = 1\nNEW = 2\n"})
    import isolib
    import isorep

    hooks = [
        importcraft.deprecate_attribute(isolib, "OLD"),
        importcraft.deprecate_attribute("isorep", "OLD", replacement="isorep:NEW"),
    ]
    before = [(type(m), dict(vars(m))) for m in (isolib, isorep)]
    with importcraft.isolated():
        for hook in hooks:
            hook.remove()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert (isolib.OLD, isorep.OLD) == (1, 1)
    assert [(type(m), dict(vars(m))) for m in (isolib, isorep)] == before
    assert all(hook.active for hook in hooks)
    with pytest.warns(DeprecationWarning, match=r"isolib\.OLD"):
        assert isolib.OLD == 1
    with pytest.warns(DeprecationWarning, match=r"isorep\.OLD"):
        assert isorep.OLD == 2
    for hook in hooks:  # and the hooks still come off cleanly
        hook.remove()
    assert type(isolib) is type(isorep) is type(sys)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (isolib.OLD, isorep.OLD) == (1, 1)


def test_a_refused_deprecation_changes_nothing() -> None:
    importcraft.virtual({"keep": "x = 1"})
    import keep

    before = (type(keep), dict(vars(keep)), importcraft.hooks())
    with pytest.raises(AttributeError, match="no attribute 'nope' to deprecate"):
        importcraft.deprecate_attribute(keep, "nope")
    with pytest.raises(TypeError, match="category must be a Warning subclass"):
        importcraft.deprecate_attribute(keep, "x", category=int)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="name 'no good' is not an attribute name"):
        importcraft.deprecate_attribute(keep, "no good")
    with pytest.raises(TypeError, match="must be a module or its name"):
        importcraft.deprecate_attribute(42, "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="message must be a str or None"):
        importcraft.deprecate_attribute(keep, "x", message=b"bytes")  # type: ignore[arg-type]
    assert (type(keep), dict(vars(keep)), importcraft.hooks()) == before


def test_an_alias_refused_by_an_error_filter_leaves_nothing_behind() -> None:
    importcraft.virtual({"taken": "WHO = 'taken'", "fresh": "WHO = 'fresh'"})
    import taken

    count = len(importcraft.hooks())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(importcraft.ImportcraftWarning, match="'taken' is already imported"):
            importcraft.alias("taken", "fresh")
    assert len(importcraft.hooks()) == count
    del sys.modules["taken"]
    assert importlib.import_module("taken").WHO == "taken", "no alias rule was left behind"
    assert taken.WHO == "taken"


@pytest.mark.usefixtures("newlib")
def test_a_deprecated_alias_removed_inside_isolated_is_back_after_it() -> None:
    hook = importcraft.alias("oldlib", "newlib", deprecated=True)
    with importcraft.isolated():
        hook.remove()
        with pytest.raises(ImportError):
            import oldlib
        importcraft.alias("oldlib", "elsewhere")  # and its name is free for another alias
    assert hook.active
    with pytest.warns(DeprecationWarning, match="'oldlib' is deprecated"):
        import oldlib
    assert oldlib is sys.modules["newlib"]
    with pytest.raises(ValueError, match="makes a cycle"):
        importcraft.alias("newlib", "oldlib")  # the cycle check sees the alias again


def test_a_deprecation_leaves_other_names_to_the_module_class_own_lookup() -> None:
    importcraft.virtual({"fastlib": "A = 1\nB = 2\n"})
    import fastlib

    importcraft.deprecate_attribute(fastlib, "A")
    cls = type(fastlib)
    # No __getattribute__ of its own: reads of B stay in C; A is served by a property.
    assert cls.__getattribute__ is types.ModuleType.__getattribute__
    assert isinstance(vars(cls)["A"], property)
    assert "deprecations of fastlib" in cls.__name__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fastlib.B == 2
    fastlib.A = 5
    with pytest.warns(DeprecationWarning, match=r"^fastlib\.A is deprecated$"):
        assert fastlib.A == 5
    del fastlib.A
    with pytest.raises(AttributeError), pytest.warns(DeprecationWarning, match="fastlib.A"):
        fastlib.A
    with pytest.raises(AttributeError):
        del fastlib.A


def test_deprecating_an_attribute_of_a_pending_lazy_module_does_not_load_it() -> None:
    importcraft.virtual({"lazydep": "import sys\nsys.lazydep_ran = True\nOLD = 1\n"})
    module = importcraft.lazy_import("lazydep")
    importcraft.deprecate_attribute("lazydep", "OLD")
    assert importcraft.is_lazy(module)
    assert not hasattr(sys, "lazydep_ran")
    with pytest.warns(DeprecationWarning, match=r"^lazydep\.OLD is deprecated$"):
        assert module.OLD == 1
    del sys.lazydep_ran  # type: ignore[attr-defined]
