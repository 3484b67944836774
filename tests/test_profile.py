"""importcraft.trace() and `importcraft trace`: import times, importers, side effects, compare.

Each trace runs in a fresh interpreter (the real import machinery, nothing imported before that
the test does not choose), which prints ``Trace.to_dict()`` as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from .conftest import run_python
from .test_cli import bare_env

# Every side effect the module body below performs, each on the line marked "# <kind>".
SIDE_EFFECTS = """\
import atexit, calendar, logging, os, signal, socket, subprocess, sys, threading, warnings
from . import child
here = os.path.dirname(__file__)
open(os.path.join(here, "data.txt")).close()  # open
open(os.path.join(here, "out.txt"), "w").close()  # write_file
os.environ["IMPORTCRAFT_TEST_SET"] = "1"  # env_set
del os.environ["IMPORTCRAFT_TEST_UNSET"]  # env_unset
sys.path.append("/nowhere/importcraft-test")  # sys_path
sys.meta_path.append(type("F", (), {"find_spec": staticmethod(lambda *a: None)})())  # meta_path
sys.path_hooks.append(lambda path: None)  # path_hooks
signal.signal(signal.SIGUSR1, lambda *a: None)  # signal
atexit.register(lambda: None)  # atexit
warnings.filterwarnings("ignore", message="importcraft-test")  # warnings_filter
logging.basicConfig()  # logging_handler
os.chdir(os.getcwd())  # chdir
sys.setrecursionlimit(sys.getrecursionlimit() + 1)  # recursionlimit
sys.settrace(sys.gettrace())  # settrace
sys.setprofile(sys.getprofile())  # setprofile
sys.excepthook = lambda *a: None  # excepthook
socket.setdefaulttimeout(30)  # socket_timeout
calendar.isleap = lambda year: False  # monkeypatch
print("hello")  # stdout
print("oops", file=sys.stderr)  # stderr
subprocess.run([sys.executable, "-c", "pass"], check=True)  # subprocess
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # socket
listener.bind(("127.0.0.1", 0))  # bind
listener.listen()
client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(listener.getsockname())  # connect
client.close(); listener.close()
socket.getaddrinfo("localhost", None)  # dns
stop = threading.Event()
worker = threading.Thread(target=stop.wait, daemon=True)
worker.start()  # thread
"""

CHILD = """\
import os
os.environ["IMPORTCRAFT_TEST_CHILD"] = "1"  # env_set
"""

# Kinds found by comparing state at module boundaries, with no call to take a line from.
NO_LINE = {"sys_path", "meta_path", "path_hooks", "excepthook", "monkeypatch"}
if sys.version_info < (3, 12):
    NO_LINE.add("thread")  # starting a thread is audited from 3.12 on

TRACE_TO_JSON = """
import json, sys, importcraft
{before}
with importcraft.trace() as t:
{body}
sys.stdout = sys.__stdout__
print("@@" + json.dumps(t.to_dict()))
"""


def traced(
    body: str, cwd: Path, before: str = "", env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Trace ``body`` in a fresh interpreter started in ``cwd``; return ``to_dict()``."""
    code = TRACE_TO_JSON.format(before=before, body=textwrap.indent(textwrap.dedent(body), "    "))
    done = run_python(code, cwd=cwd, env={"PYTHONPATH": str(cwd), **(env or {})})
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("@@"))
    data: dict[str, Any] = json.loads(line[2:])
    return data


def marked_lines(source: str) -> dict[str, int]:
    return {
        line.rpartition("# ")[2].strip(): number
        for number, line in enumerate(source.splitlines(), 1)
        if "  # " in line
    }


def module(data: dict[str, Any], name: str) -> dict[str, Any]:
    found = [m for m in data["modules"] if m["name"] == name]
    assert len(found) == 1, [m["name"] for m in data["modules"]]
    return found[0]


@pytest.fixture
def fx(tree: Any) -> Path:
    return tree(  # type: ignore[no-any-return]
        {
            "fx/__init__.py": SIDE_EFFECTS,
            "fx/child.py": CHILD,
            "fx/data.txt": "data\n",
        }
    )


def test_each_side_effect_is_charged_to_the_module_and_line_that_made_it(fx: Path) -> None:
    data = traced(
        "import fx",
        fx,
        before="import calendar, os; os.environ['IMPORTCRAFT_TEST_UNSET'] = 'x'",
    )
    init = str(fx / "fx" / "__init__.py")
    lines = marked_lines(SIDE_EFFECTS)
    effects = data["side_effects"]
    for kind, line in lines.items():
        mine = [e for e in effects if e["kind"] == kind and e["module"] == "fx"]
        assert mine, f"no {kind} side effect charged to fx: {effects}"
        expected_line = None if kind in NO_LINE else line
        assert any(e["file"] == init and e["line"] == expected_line for e in mine), (kind, mine)
    record = module(data, "fx")
    for index in record["side_effects"]:
        assert effects[index]["module"] == "fx"
    # The child's own side effect is the child's, on its own line.
    child = [e for e in effects if e["module"] == "fx.child"]
    assert [(e["kind"], e["file"], e["line"]) for e in child] == [
        ("env_set", str(fx / "fx" / "child.py"), 2)
    ]
    writes = next(e for e in effects if e["kind"] == "write_file")
    assert writes["data"]["path"].endswith("out.txt")
    assert writes["data"]["writes"] is True
    patched = next(e for e in effects if e["kind"] == "monkeypatch")
    assert patched["data"]["target"] == "calendar.isleap"


def test_the_import_machinery_reading_modules_is_no_side_effect(tree: Any) -> None:
    root = tree({"plain/__init__.py": "from . import sub\n", "plain/sub.py": "x = 1\n"})
    data = traced("import plain, decimal", root)
    assert data["side_effects"] == []


def test_times_importers_and_children(tree: Any) -> None:
    root = tree(
        {
            "app/__init__.py": "x = 1\nimport app.a\nfrom app import b\n",
            "app/a.py": "import importlib\nimportlib.import_module('app.c')\n",
            "app/b.py": "",
            "app/c.py": "",
        }
    )
    data = traced("import app", root)
    app, a, b, c = (module(data, name) for name in ("app", "app.a", "app.b", "app.c"))
    assert app["parent"] is None
    assert app["imported_at"]["line"] == 5  # the traced block's "import app"
    assert app["children"] == ["app.a", "app.b"]
    assert (a["parent"], a["imported_at"]) == ("app", {"file": app["file"], "line": 2})
    assert (b["parent"], b["imported_at"]) == ("app", {"file": app["file"], "line": 3})
    # importlib.import_module: the line calling it
    assert (c["parent"], c["imported_at"]) == ("app.a", {"file": a["file"], "line": 2})
    for record in data["modules"]:
        assert 0 <= record["self_ns"] <= record["cumulative_ns"], record
        assert isinstance(record["self_ns"], int)
        assert isinstance(record["cumulative_ns"], int)
    assert app["cumulative_ns"] >= a["cumulative_ns"] + b["cumulative_ns"]
    assert app["kind"] == "source"
    assert app["loader"] == "SourceFileLoader"
    assert data["total_ns"] >= app["cumulative_ns"]


def test_modules_imported_before_the_trace_are_not_reported(tree: Any) -> None:
    root = tree({"early.py": "", "late.py": "import early\n"})
    data = traced("import early, late", root, before="import early")
    names = [m["name"] for m in data["modules"]]
    assert "late" in names
    assert "early" not in names
    assert module(data, "late")["children"] == []


def test_bytecode_from_the_cache_or_not(tree: Any) -> None:
    root = tree({"cachedmod.py": "x = 1\n"})
    env = {"PYTHONDONTWRITEBYTECODE": ""}  # empty: bytecode is written
    first = traced("import cachedmod", root, env=env)
    second = traced("import cachedmod", root, env=env)
    assert module(first, "cachedmod")["cached"] is False
    assert module(second, "cachedmod")["cached"] is True


def test_loader_kinds_match_the_specs(tree: Any) -> None:
    root = tree({"nspkg/mod.py": ""})
    # _symtable is built in on 3.11-3.13, _lsprof an extension; neither is imported by the
    # interpreter or by coverage before the trace (_bisect was: coverage imports random).
    data = traced("import nspkg.mod, _symtable, _lsprof", root)
    assert module(data, "nspkg")["kind"] == "namespace"
    assert module(data, "nspkg.mod")["kind"] == "source"
    kinds = {m["name"]: (m["kind"], m["loader"], m["cached"]) for m in data["modules"]}
    for name in ("_symtable", "_lsprof"):
        loader = {
            "builtin": "BuiltinImporter",
            "extension": "ExtensionFileLoader",
        }[kinds[name][0]]
        assert kinds[name] == (kinds[name][0], loader, None)
    assert {kinds["_symtable"][0], kinds["_lsprof"][0]} == {"builtin", "extension"}


def test_schema_keys(tree: Any) -> None:
    root = tree({"one.py": "open(__file__).close()\n"})
    data = traced("import one", root)
    assert list(data) == [
        "schema", "python", "implementation", "argv", "started", "total_ns", "modules",
        "side_effects", "cycle",
    ]  # fmt: skip
    assert data["schema"] == "importcraft-trace/1"
    assert data["argv"] == []
    assert data["started"].endswith("Z")
    assert list(module(data, "one")) == [
        "name", "file", "kind", "loader", "cached", "self_ns", "cumulative_ns", "parent",
        "imported_at", "children", "side_effects",
    ]  # fmt: skip
    assert list(data["side_effects"][0]) == ["kind", "module", "file", "line", "detail", "data"]


def test_trace_leaves_nothing_behind(tree: Any) -> None:
    root = tree({"one.py": "print('x')\n"})
    done = run_python(
        """
        import signal, sys, importcraft
        original = (sys.stdout, sys.stderr, signal.signal, sys.setrecursionlimit, sys.meta_path[:])
        with importcraft.trace() as t:
            import one
            try:
                with importcraft.trace():
                    pass
            except RuntimeError as exc:
                print("nested:", exc)
        after = (sys.stdout, sys.stderr, signal.signal, sys.setrecursionlimit, sys.meta_path[:])
        print(after == original, importcraft.hooks())
        with importcraft.trace() as again:
            open(__file__ if "__file__" in globals() else "one.py").close()
        print(len(again.side_effects), len(t.modules))
        """,
        cwd=root,
        env={"PYTHONPATH": str(root)},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].startswith("nested: importcraft.trace(): another trace is already active")
    assert lines[2] == "True []"
    assert lines[3] == "0 1"  # code outside any module body: not an import's side effect


def test_str_is_the_text_report(fx: Path) -> None:
    done = run_python(
        """
        import importcraft
        with importcraft.trace() as t:
            import fx
        import sys
        sys.stdout = sys.__stdout__
        print("@@")
        print(t.report(top=3))
        """,
        cwd=fx,
        env={"PYTHONPATH": str(fx), "IMPORTCRAFT_TEST_UNSET": "1"},
    )
    assert done.returncode == 0, done.stderr
    report = done.stdout.partition("@@\n")[2]
    assert report.startswith("importcraft trace: ")
    assert "  fx  [" in report
    assert "side effects:" in report
    assert "totals: " in report
    assert f"fx ({fx / 'fx' / '__init__.py'}:4): open(" in report


# -- the command ---------------------------------------------------------------------------------


def importcraft_trace(
    *args: str, cwd: Path, measured: bool = True
) -> subprocess.CompletedProcess[str]:
    """``importcraft trace ARGS`` in ``cwd``; ``measured=False``: without the suite's coverage,
    which imports modules (decimal, random, ...) into every child it measures."""
    base = os.environ if measured else bare_env()
    env = {k: v for k, v in base.items() if k != "IMPORTCRAFT_RUN"}
    return subprocess.run(
        [sys.executable, "-m", "importcraft", "trace", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def test_command_runs_the_program_and_reports_at_exit(tree: Any) -> None:
    root = tree(
        {
            "app.py": "import sys, helper\nprint('args', sys.argv[1:])\nsys.exit(3)\n",
            "helper.py": "import os\nos.environ['X_HELPER'] = '1'\n",
        }
    )
    done = importcraft_trace("--json", "out.json", "--top", "5", "app.py", "a", cwd=root)
    assert done.returncode == 3, done.stderr
    assert done.stdout == "args ['a']\n"
    assert done.stderr.startswith("importcraft trace: ")
    assert f"helper ({root / 'helper.py'}:2): os.environ['X_HELPER'] = '1'" in done.stderr
    data = json.loads((root / "out.json").read_text())
    assert data["schema"] == "importcraft-trace/1"
    assert data["argv"] == ["app.py", "a"]
    helper = module(data, "helper")
    assert helper["imported_at"] == {"file": str(root / "app.py"), "line": 1}


def test_command_explains_a_circular_import_and_keeps_its_modules_out(tree: Any) -> None:
    root = tree(
        {
            "main.py": "import a\n",
            "a.py": "from b import helper\n\nx = 1\n",
            "b.py": "from a import x\n\n\ndef helper():\n    return x\n",
        }
    )
    done = importcraft_trace("--json", "out.json", "--html", "out.html", "main.py", cwd=root)
    assert done.returncode == 1
    assert "Circular import: 'b' needs 'x' from 'a'" in done.stderr
    data = json.loads((root / "out.json").read_text())
    # The trace is the program's: what the explanation loads (ast, inspect) is not in it.
    assert [entry["name"] for entry in data["modules"]] == ["a", "b"]
    # The JSON and the HTML report carry the explanation.
    assert data["cycle"]["text"].startswith("Circular import: 'b' needs 'x' from 'a'")
    assert data["cycle"]["explanation"]["fix"]["number"] == 1
    assert "Circular import: 'b' needs 'x' from 'a'" in (root / "out.html").read_text()


def test_a_trace_without_a_cycle_says_none(tree: Any) -> None:
    root = tree({"app.py": "import helper\n", "helper.py": ""})
    done = importcraft_trace("--json", "out.json", "app.py", cwd=root)
    assert done.returncode == 0, done.stderr
    assert json.loads((root / "out.json").read_text())["cycle"] is None


@pytest.mark.parametrize("how", [["-m", "app"], ["-c", "import app"]])
def test_command_module_and_code(tree: Any, how: list[str]) -> None:
    root = tree({"app.py": "import helper\n", "helper.py": ""})
    done = importcraft_trace("--json", "out.json", *how, cwd=root)
    assert done.returncode == 0, done.stderr
    names = [m["name"] for m in json.loads((root / "out.json").read_text())["modules"]]
    assert "helper" in names


def test_compare_exit_status(tree: Any) -> None:
    root = tree({"old.py": "import json\n", "new.py": "import json, decimal, fractions\n"})
    for name in ("old", "new"):
        done = importcraft_trace("--json", f"{name}.json", f"{name}.py", cwd=root, measured=False)
        assert done.returncode == 0, done.stderr
    plain = importcraft_trace("--compare", "old.json", "new.json", cwd=root, measured=False)
    assert plain.returncode == 0, plain.stderr
    assert "new modules:" in plain.stdout
    assert "  decimal (" in plain.stdout
    over = importcraft_trace(
        "--compare", "old.json", "new.json", "--max-new-modules", "0", cwd=root
    )
    assert over.returncode == 1
    assert "FAIL: " in over.stdout
    under = importcraft_trace(
        "--compare", "old.json", "new.json", "--max-new-modules", "1000", cwd=root
    )
    assert under.returncode == 0
    same = importcraft_trace(
        "--compare", "old.json", "old.json", "--max-ms", "0", cwd=root, measured=False
    )
    assert same.returncode == 0
    assert "(0 new)" in same.stdout
    missing = importcraft_trace("--compare", "old.json", "nope.json", cwd=root, measured=False)
    assert missing.returncode == 2
    assert "cannot read trace 'nope.json'" in missing.stderr


def test_command_children(tree: Any) -> None:
    root = tree(
        {
            "app.py": (
                "import subprocess, sys\n"
                "subprocess.run([sys.executable, '-c', 'import helper'], check=True)\n"
            ),
            "helper.py": "import os\nos.environ['X_CHILD'] = '1'\n",
        }
    )
    alone = importcraft_trace("app.py", cwd=root)
    assert alone.returncode == 0, alone.stderr
    assert "[pid " not in alone.stderr
    done = importcraft_trace("--children", "--json", "out.json", "app.py", cwd=root)
    assert done.returncode == 0, done.stderr
    assert " -c] importcraft trace: " in done.stderr
    assert f"helper ({root / 'helper.py'}:2): os.environ['X_CHILD'] = '1'" in done.stderr
    children = list(root.glob("out.*.json"))
    assert len(children) == 1
    data = json.loads(children[0].read_text())
    assert "helper" in [m["name"] for m in data["modules"]]
    assert data["argv"] == ["-c"]
    main = json.loads((root / "out.json").read_text())
    assert "helper" not in [m["name"] for m in main["modules"]]


def test_command_views_and_importtime_logs(tree: Any) -> None:
    root = tree({"app.py": "import helper\n", "helper.py": "import json\n"})
    done = importcraft_trace(
        "--html", "t.html", "--speedscope", "t.speedscope.json", "--chrome-trace", "t.trace.json",
        "--json", "t.json", "app.py", cwd=root,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "helper" in (root / "t.html").read_text()
    for name in ("t.speedscope.json", "t.trace.json", "t.json"):
        assert json.loads((root / name).read_text())
    log = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import helper"],
        capture_output=True, text=True, cwd=root, env=bare_env(), check=True,
    )  # fmt: skip
    (root / "importtime.log").write_text(log.stderr)
    done = importcraft_trace(
        "--from-importtime", "importtime.log", "--top", "3", "--json", "log.json", cwd=root
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("importcraft trace: ")
    assert "helper" in [m["name"] for m in json.loads((root / "log.json").read_text())["modules"]]
    bad = importcraft_trace("--from-importtime", "nope.log", cwd=root)
    assert bad.returncode == 1
    assert "nope.log" in bad.stderr


# -- in this process: the collection, the text report, compare and the commands' own code ----


def test_in_process_trace_report_compare_and_commands(
    tree: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importcraft
    from importcraft.cli._main import main
    from importcraft.inspect._profile import compare, format_report

    root = tree(
        {
            "inproc_fx/__init__.py": textwrap.dedent(
                """\
                import os, socket
                open(__file__).close()
                os.environ["IMPORTCRAFT_INPROC"] = "1"
                os.chdir(os.getcwd())
                s = socket.socket(); s.close()
                socket.getaddrinfo("localhost", None)
                from . import sub
                """
            ),
            "inproc_fx/sub.py": "X = 1\n",
        }
    )
    sys.path.insert(0, str(root))  # restored by the suite's fixture
    monkeypatch.delenv("IMPORTCRAFT_INPROC", raising=False)  # and the variable goes after
    with importcraft.trace() as profile:
        import inproc_fx  # noqa: F401
    data = profile.to_dict()
    kinds = {(e["kind"], e["module"]) for e in data["side_effects"]}
    for kind in ("open", "env_set", "chdir", "socket", "dns"):
        assert (kind, "inproc_fx") in kinds, data["side_effects"]
    names = [m["name"] for m in data["modules"]]
    assert names[0] == "inproc_fx"  # then what getaddrinfo loads (encodings.idna), then sub
    assert "inproc_fx.sub" in names
    text = format_report(data, top=50)
    assert "inproc_fx.sub" in text
    assert str(profile).startswith(f"importcraft trace: {len(names)} module(s)")

    # compare(): a module new in NEW passes a threshold of no new modules.
    old = {**data, "modules": data["modules"][:1]}
    said, passed = compare(old, data, max_new_modules=0)
    assert passed
    assert "inproc_fx.sub" in said
    said, passed = compare(data, data, max_new_modules=0, max_ms=1000)
    assert not passed

    # The commands' own code, called in this process.
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(data))
    compared = ["trace", "--compare", str(tmp_path / "old.json"), str(tmp_path / "new.json")]
    assert main([*compared, "--max-new-modules", "0"]) == 1
    assert main(compared) == 0
    assert "inproc_fx.sub" in capsys.readouterr().out
    html = tmp_path / "out.html"
    assert main(["report", "--from-json", str(tmp_path / "new.json"), "--html", str(html)]) == 0
    assert "inproc_fx.sub" in html.read_text()
    assert "importcraft report: " in capsys.readouterr().out
    (root / "random.py").write_text("raise SystemExit('ran')\n")
    monkeypatch.chdir(root)
    assert main(["explain", "random"]) == 0
    assert capsys.readouterr().out.startswith("SHADOWING: 'random'")
    assert main(["explain", "--json", "no_such_module_anywhere_ic"]) == 1
    assert json.loads(capsys.readouterr().out)["found"] is False


@pytest.mark.parametrize(
    ("event", "args", "kind", "detail"),
    [
        ("open", ("/etc/app.ini", "r", 0), "open", "open('/etc/app.ini', 'r')"),
        ("open", ("/tmp/out", "w", 0), "write_file", "open('/tmp/out', 'w')"),
        ("open", ("/tmp/raw", None, os.O_WRONLY | os.O_CREAT), "write_file", "os.open("),
        ("open", (3, "rb", 0), "open", "open('fd 3', 'rb')"),
        ("subprocess.Popen", ("ls", ["ls", "-l"], None, None), "subprocess", "ls -l"),
        ("os.system", (b"echo hi",), "subprocess", "os.system: "),
        ("os.exec", ("/bin/true", ["true"], None), "subprocess", "os.exec: "),
        ("socket.__new__", (None, 2, 1, 0), "socket", "socket(family=2, type=1)"),
        ("socket.connect", (None, ("127.0.0.1", 80)), "connect", "('127.0.0.1', 80)"),
        ("socket.bind", (None, "/tmp/sock"), "bind", "/tmp/sock"),
        ("socket.getaddrinfo", ("example.org", 443, 0, 0, 0), "dns", "'example.org'"),
        ("os.putenv", (b"APP_MODE", b"demo"), "env_set", "APP_MODE"),
        ("os.unsetenv", ("APP_MODE",), "env_unset", "del os.environ['APP_MODE']"),
        ("os.chdir", ("/srv",), "chdir", "os.chdir('/srv')"),
        ("sys.settrace", (None,), "settrace", "sys.settrace() called"),
        ("_thread.start_new_thread", (print, (), {}), "thread", "thread started: "),
    ],
)
def test_audit_events_become_side_effects(
    event: str, args: tuple[Any, ...], kind: str, detail: str
) -> None:
    # What each audited call is reported as (the hook itself runs untraced by coverage: CPython
    # runs audit hooks with tracing off, so the translation is checked here directly).
    from importcraft.inspect._profile import _AUDIT_EVENTS

    got_kind, got_detail, data = _AUDIT_EVENTS[event](args)
    assert got_kind == kind
    assert detail in got_detail
    json.dumps(data)  # JSON-ready, as the schema promises
