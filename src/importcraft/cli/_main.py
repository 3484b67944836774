"""The ``importcraft`` command: ``importcraft run [OPTIONS] (SCRIPT | -m MODULE | -c CODE) ...``.

Only imported by the command itself; nothing here leaks into ``import importcraft``. ``run``
runs the program in this interpreter, so what this module loads, the program finds loaded:
argparse is imported only to print help or a usage error, and this module leaves
``sys.modules`` before the program starts.
"""

from __future__ import annotations

import os
import sys

# importlib.machinery's class, from the module every interpreter has loaded at start-up.
from _frozen_importlib_external import SourceFileLoader

from ._config import BY_FLAG, ENV, FILE, FLAG, INTERPRETER, OPTIONS, ConfigError

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence
    from types import CodeType, ModuleType, TracebackType
    from typing import Any

    from ._config import Config, Option

_RUN_DESCRIPTION = """\
Run a Python program as `python` would (sys.argv, __main__, exit status, tracebacks), with
import hooks installed first. The program's Python subprocesses and its multiprocessing
children (spawn and forkserver) run with the same hooks. Settings come from the options and
from a [tool.importcraft] table in the nearest pyproject.toml (or the file given by --config);
under `python -I` or `-E` no pyproject.toml is looked for.
"""

# What CPython 3.11-3.13 say of a module still being imported (3.13 says the second of a module
# in the script's folder): only then is the explanation loaded.
_CYCLE_HINTS = ("(most likely due to a circular import)", "you intended to import)")

# -X and -W, which python also takes glued to their value (-Xdev, -Werror).
_INTERPRETER = tuple(option.flag for option in OPTIONS if option.kind == INTERPRETER)


def _add_options(parser: argparse.ArgumentParser, options: Sequence[Option]) -> None:
    """Add ``options`` (records of the one table, ``_config.OPTIONS``) to ``parser``."""
    for option in options:
        if option.kind == FLAG:
            parser.add_argument(
                option.flag, dest=option.dest, action="count", default=0, help=option.help
            )
            continue
        action = "store" if option.kind == FILE else "append"  # the last --config wins
        parser.add_argument(
            option.flag, dest=option.dest, metavar=option.metavar, action=action, help=option.help
        )


# Options without a value (-v), which python also takes repeated in one argument (-vv).
_FLAGS = tuple(option.flag for option in OPTIONS if option.kind == FLAG)


def _run_parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="importcraft run",
        usage="importcraft run [OPTIONS] (SCRIPT [ARGS] | -m MODULE [ARGS] | -c CODE [ARGS] | - "
        "[ARGS])",
        description=_RUN_DESCRIPTION,
        # No abbreviations (--blo for --block): the arguments are split by hand, on whole
        # option names, and an abbreviation would be read as the program to run.
        allow_abbrev=False,
    )
    _add_options(parser, OPTIONS)
    return parser


def _main_parser() -> argparse.ArgumentParser:
    import argparse

    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="importcraft",
        description="Python's import system, made programmable, safe, fast and observable.",
    )
    parser.add_argument("--version", action="version", version=f"importcraft {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser("run", help="run a program with import hooks", add_help=False)
    commands.add_parser("show", help="print a module's code as transformed", add_help=False)
    commands.add_parser("explain", help="say why a name resolves where it does", add_help=False)
    commands.add_parser(
        "report", help="write an import trace as HTML or for a viewer", add_help=False
    )
    commands.add_parser(
        "trace", help="profile a program's imports and their side effects", add_help=False
    )
    commands.add_parser("plugins", help="list entry-point plugins, check they load", add_help=False)
    commands.add_parser("check", help="check the import contracts (layers, ...)", add_help=False)
    commands.add_parser("graph", help="the static import graph of packages", add_help=False)
    commands.add_parser(
        "cycles", help="find import-time cycles, say how to break them", add_help=False
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``importcraft`` and ``python -m importcraft``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "run":
        return run(args[1:])
    if args and args[0] == "show":
        return show(args[1:])
    if args and args[0] == "explain":
        return explain(args[1:])
    if args and args[0] == "report":
        return report(args[1:])
    if args and args[0] == "trace":
        return trace(args[1:])
    if args and args[0] == "plugins":
        from ._plugins import plugins_command

        return plugins_command(args[1:])
    if args and args[0] == "check":
        from ._check import check_command

        return check_command(args[1:])
    if args and args[0] == "graph":
        from ._graph_cmd import graph_command

        return graph_command(args[1:])
    if args and args[0] == "cycles":
        from ._cycles_cmd import cycles_command

        return cycles_command(args[1:])
    _main_parser().parse_args(args)  # prints help, version or the usage error, and exits
    return 2


def _usage_error(message: str) -> None:
    _run_parser().error(message)  # exits with status 2


def _split(args: list[str]) -> tuple[list[str], tuple[str, str], list[str]]:
    """Split ``run``'s arguments into its options, what to run, and the program's arguments."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-m", "-c"):
            if i + 1 == len(args):
                _usage_error(f"argument {arg}: expected one argument")
            return args[:i], (arg, args[i + 1]), args[i + 2 :]
        if arg == "-":
            return args[:i], ("-", "-"), args[i + 1 :]
        if arg == "--":
            if i + 1 == len(args):
                break
            return args[:i], ("script", args[i + 1]), args[i + 2 :]
        if arg.startswith("-"):
            # Every option in the table but a FLAG takes a value: in this argument or the next.
            option = BY_FLAG.get(arg)
            i += 2 if option is not None and option.kind != FLAG else 1
            continue
        return args[:i], ("script", arg), args[i + 1 :]
    _run_parser().parse_args(args)  # -h / --help, or an unknown option
    _usage_error("nothing to run: give SCRIPT, -m MODULE, -c CODE or - (standard input)")
    raise AssertionError("unreachable")  # parser.error exits


def _parse(own: list[str]) -> tuple[dict[str, list[str]], str | None, list[str]]:
    """``run``'s options: the configuration's, ``--config`` and the interpreter's (-X, -W).

    Parsed by hand, so that argparse (and the gettext, re, ... it imports) is loaded only to
    print help or an error and is not in the program's ``sys.modules``.
    """
    given: dict[str, list[str]] = {}
    config = None
    interpreter: list[str] = []
    i = 0
    while i < len(own):
        if own[i][:2] in _FLAGS and own[i][2:] == own[i][1] * (len(own[i]) - 2):
            # -v, -vv: counted, one item in given[dest] for each "v"
            given.setdefault(BY_FLAG[own[i][:2]].dest, []).extend(own[i][1:])
            i += 1
            continue
        flag, equals, value = own[i].partition("=")
        if own[i][:2] in _INTERPRETER:
            # -X dev, -Xdev, -W error, -Werror: as python takes them; "=" is part of -X's value.
            flag, value = own[i][:2], own[i][2:]
            equals = "=" if value else ""
        option = BY_FLAG.get(flag)
        if option is None:
            break  # abbreviated or unknown: argparse's to accept or refuse
        if not equals:
            if i + 1 == len(own):
                break
            i += 1
            value = own[i]
        if option.kind == FILE:
            config = value
        elif option.kind == INTERPRETER:
            interpreter += [option.flag, value]
        else:
            given.setdefault(option.dest, []).append(value)
        i += 1
    else:
        return given, config, interpreter
    parsed = vars(_run_parser().parse_args(own))  # exits on a usage error
    given, config, interpreter = {}, None, []
    for option in OPTIONS:
        values = parsed[option.dest]
        if option.kind == FILE:
            config = values
        elif option.kind == INTERPRETER:
            interpreter += [item for value in values or () for item in (option.flag, value)]
        elif option.kind == FLAG:
            given[option.dest] = ["v"] * values
        elif values:
            given[option.dest] = values
    return given, config, interpreter


def _configuration(given: dict[str, list[str]], config_file: str | None) -> Config:
    from ._config import find_pyproject, ignores_environment, load_file, merge, parse_options

    if config_file is not None:
        from_file = load_file(config_file)
    else:
        # Under -I/-E the interpreter trusts nothing it was not told: no file found by walking up
        # from the current folder (it may be someone else's checkout) makes it run code.
        pyproject = None if ignores_environment() else find_pyproject(os.getcwd())
        from_file = load_file(pyproject) if pyproject is not None else merge()
    return merge(from_file, parse_options({k: v for k, v in given.items() if v}))


def run(
    args: list[str],
    around: Callable[[Callable[[], int]], int] | None = None,
    command: Sequence[str] = ("run",),
) -> int:
    """``importcraft run``: install the configuration, then run the program as Python would.

    ``around`` (``importcraft trace``'s) gets the function running the program and calls it;
    ``command`` is what a restart under the program's -X/-W options runs again.
    """
    own, (mode, target), program_args = _split(args)
    given, config_file, interpreter = _parse(own)
    verbose = len(given.pop(BY_FLAG["-v"].dest, ()))
    if interpreter:
        return _restart(interpreter, own, mode, target, program_args, command)

    # As `python SCRIPT` does, refuse a script that cannot be read before doing anything.
    script = None
    if mode == "script" and not os.path.isdir(target):
        try:
            with open(target, "rb") as handle:
                script = handle.read()
        except OSError as exc:
            reason = f"[Errno {exc.errno}] {exc.strerror}" if exc.errno else str(exc)
            print(
                f"importcraft run: error: can't open file {os.path.abspath(target)!r}: {reason}",
                file=sys.stderr,
            )
            return 2

    # sys.argv and sys.path[0] as `python SCRIPT`, `python -m MODULE`, `python -c CODE` and
    # `python -` set them. Under -P / -I the interpreter put no folder of ours first, and the
    # program gets none either.
    if mode == "script":
        sys.argv = [target, *program_args]
        path0 = os.path.dirname(os.path.realpath(target))
    elif mode == "-m":
        sys.argv = ["-m", *program_args]  # runpy puts the module's path in argv[0]
        path0 = os.getcwd()
    else:
        sys.argv = [mode, *program_args]
        path0 = ""
    if not sys.flags.safe_path:
        sys.path[0] = path0

    # What running the program needs is loaded now, before a policy can refuse it.
    runner = None
    if mode == "-m" or (mode == "script" and script is None) or _is_zip(target, script):
        import runpy

        runner = runpy

    from ._config import REFERENCE_FOLDERS, apply, reference_folders, to_env

    # A configuration inherited from a parent `importcraft run` is replaced (the start-up hook
    # is loaded only when there was one).
    bootstrap = sys.modules.get("importcraft.cli._bootstrap")
    if bootstrap is not None:
        bootstrap.undo()
    try:
        config = _configuration(given, config_file)
        apply(config, check_callbacks=True, evict_own=True)
    except ConfigError as exc:
        print(f"importcraft run: error: {exc}", file=sys.stderr)
        return 2
    config[REFERENCE_FOLDERS] = reference_folders(config)  # for the children: see there
    os.environ[ENV] = to_env(config)
    if config["path"]:
        inherited = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = os.pathsep.join(
            [*map(str, config["path"]), *([inherited] if inherited else [])]
        )
    _trace_program(verbose)
    # The command is not part of the program: as under `python app.py`, it is not loaded.
    for name in (__name__, "importcraft.__main__"):
        sys.modules.pop(name, None)
    package = sys.modules.get("importcraft")
    if package is not None and hasattr(package, "_cli"):
        delattr(package, "_cli")
    if around is not None:
        return around(lambda: _execute(mode, target, script, runner))
    return _execute(mode, target, script, runner)


def _trace_program(level: int) -> None:
    """``-v``: the program, and the Python programs it starts, trace their imports."""
    if level:
        from ..core._trace import ENV, set_verbose

        os.environ[ENV] = str(level)
        set_verbose(level)


def _is_zip(target: str, script: bytes | None) -> bool:
    # As the interpreter decides: a file that zipimport can read runs its __main__.py.
    if script is None or b"PK" not in script:
        return False
    import zipimport  # loaded at start-up by every interpreter (it is a path hook)

    try:
        zipimport.zipimporter(target)
    except zipimport.ZipImportError:
        return False
    return True


def _restart(
    interpreter: list[str],
    own: list[str],
    mode: str,
    target: str,
    program_args: list[str],
    again: Sequence[str] = ("run",),
) -> int:
    """Run ``run`` again in an interpreter started with the program's -X and -W options."""
    import subprocess

    # The interpreter's own flags (-I, -E, -O, -B, its -X and -W, ...) are kept.
    flags: list[str] = subprocess._args_from_interpreter_flags()  # type: ignore[attr-defined]
    rest, i = [], 0
    while i < len(own):
        if own[i] in _INTERPRETER:
            i += 2
            continue
        if own[i][:2] not in _INTERPRETER:
            rest.append(own[i])
            if own[i] in BY_FLAG:  # and its value, whatever it looks like
                rest += own[i + 1 : i + 2]
                i += 1
        i += 1
    what = {"script": ["--", target], "-": ["-"]}.get(mode, [mode, target])
    command = [
        sys.executable, *flags, *interpreter, "-m", "importcraft", *again, *rest, *what,
        *program_args,
    ]  # fmt: skip
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execv(sys.executable, command)
    return subprocess.run(command, check=False).returncode


def _execute(mode: str, target: str, script: bytes | None, runner: ModuleType | None) -> int:
    # The program's policies are in force from here on: nothing new is imported before it runs.
    try:
        if mode == "-c":
            # dont_inherit: this module's `from __future__ import annotations` is not the program's.
            _run_in_main(compile(target, "<string>", "exec", dont_inherit=True))
        elif mode == "-":
            _run_in_main(compile(sys.stdin.buffer.read(), "<stdin>", "exec", dont_inherit=True))
        elif runner is not None and mode == "-m":
            runner._run_module_as_main(target, alter_argv=True)
        elif runner is not None:
            runner.run_path(target, run_name="__main__")  # a directory or zip with __main__.py
        else:
            # As the interpreter runs a script: an absolute __file__, argv[0] as typed.
            path = os.path.abspath(target)
            code = compile(script or b"", path, "exec", dont_inherit=True)
            _run_in_main(code, path)
    except SystemExit:
        raise
    except BaseException as exc:
        cycle = isinstance(exc, (ImportError, AttributeError)) and any(
            hint in str(exc) for hint in _CYCLE_HINTS
        )
        # Under `importcraft trace` the program's imports are over: what the traceback (3.13:
        # traceback, _colorize, tokenize...) and the explanation load stays out of the trace.
        active = _stop_trace() if cycle else None
        _report(exc, runner)
        if cycle:
            _explain_cycle(exc, active)
        if isinstance(exc, KeyboardInterrupt):
            # Die of SIGINT, as Python does, so the parent sees the right status. _signal, not
            # signal: it is loaded at start-up, and a policy cannot refuse it now.
            signals: Any = sys.modules["_signal"]
            signals.signal(signals.SIGINT, signals.SIG_DFL)
            os.kill(os.getpid(), signals.SIGINT)
        return 1
    return 0


def _run_in_main(code: CodeType, path: str | None = None) -> None:
    """Run ``code`` in a fresh ``__main__`` module, as the interpreter runs a script or -c."""
    main = type(sys)("__main__")
    main.__dict__["__builtins__"] = __builtins__
    if path is not None:
        main.__file__ = path
        main.__loader__ = SourceFileLoader("__main__", path)
        main.__cached__ = None  # type: ignore[attr-defined]
    sys.modules["__main__"] = main
    exec(code, main.__dict__)


def _report(exc: BaseException, runner: ModuleType | None) -> None:
    """Print the traceback Python would print: the program's frames, not importcraft's."""
    from ..core._frames import PACKAGE_FOLDER

    tb: TracebackType | None = exc.__traceback__
    ours: tuple[str, ...] = (PACKAGE_FOLDER, "<frozen runpy>")
    if runner is not None:
        ours += (os.path.abspath(runner.__file__ or ""),)
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(ours):
        tb = tb.tb_next
    # The default hook prints the exception's own __traceback__ when it has one.
    sys.excepthook(type(exc), exc.with_traceback(tb), tb)


_TRACE_USAGE = """\
usage: importcraft trace [--json FILE] [--top N] [--children] [--html FILE] [--speedscope FILE]
                         [--chrome-trace FILE] [RUN OPTIONS] (SCRIPT | -m MODULE | -c CODE) [ARGS]
       importcraft trace --from-importtime LOG [--top N] [--json FILE] [--html FILE] ...
       importcraft trace --compare OLD.json NEW.json [--max-ms X] [--max-new-modules N]

Run a program as `importcraft run` does and report, on standard error when it ends, the modules
it imported (self and cumulative time, importer and line) and their side effects. --json FILE
also writes the trace (schema importcraft-trace/1); --top N shows the N slowest modules (25);
--html, --speedscope and --chrome-trace write the views of docs/diagnostics-report.md.
--children: the program's Python children are traced too, each reporting when it exits (and
writing the --json FILE with its process id before the suffix).
--from-importtime LOG: the same report and views from a `python -X importtime` log (times only).
--compare: what got slower, new modules and new side effects from OLD to NEW; exits 1 when the
import time grew by more than --max-ms milliseconds or more than --max-new-modules modules are
new. See docs/diagnostics-trace.md."""


_TRACE_OPTIONS = (
    "--json", "--top", "--children", "--compare", "--html", "--speedscope", "--chrome-trace",
    "--from-importtime", "-h", "--help",
)  # fmt: skip


def trace(args: list[str]) -> int:
    """``importcraft trace``: run the program under :func:`importcraft.trace`, or compare."""
    values: dict[str, str] = {}
    i = 0
    children = False
    while i < len(args) and args[i] in _TRACE_OPTIONS:
        flag = args[i]
        if flag in ("-h", "--help"):
            print(_TRACE_USAGE)
            return 0
        if flag == "--children":
            children = True
            i += 1
            continue
        count = 2 if flag == "--compare" else 1
        if i + count >= len(args):
            return _trace_error(f"{flag} needs {'two values' if count == 2 else 'a value'}")
        values[flag] = "\0".join(args[i + 1 : i + 1 + count])
        i += 1 + count
    if "--compare" in values:
        return _compare(values["--compare"].split("\0"), args[i:])
    try:
        top = int(values.get("--top", "25"))
    except ValueError:
        return _trace_error(f"--top needs a number, not {values['--top']!r}")
    # The program may change directory: output files are named from here.
    views = {flag: os.path.abspath(values[flag]) for flag in _TRACE_VIEWS if flag in values}
    json_file = values.get("--json")
    if json_file is not None:
        json_file = os.path.abspath(json_file)
    if "--from-importtime" in values:
        if i < len(args):
            return _trace_error(f"nothing to run with --from-importtime: {args[i]!r}")
        from ..inspect import _report
        from ..inspect._profile import format_report

        try:
            data = _report.read_importtime(values["--from-importtime"])
        except (OSError, ValueError) as exc:
            print(f"importcraft trace: error: {exc}", file=sys.stderr)
            return 1
        print(format_report(data, top=top))
        return _write_views(data, views, json_file)
    again = ["trace", *args[:i]]
    if children:  # the start-up hook of the program's Python children traces them
        from ..inspect._profile import CHILDREN_ENV

        os.environ[CHILDREN_ENV] = json_file or ""

    def around(execute: Callable[[], int]) -> int:
        from ..inspect._profile import Trace

        profile = Trace()
        profile.argv = list(sys.argv)
        profile.start()
        try:
            return execute()
        finally:
            profile.stop()
            sys.stderr.write(profile.report(top=top) + "\n")
            _write_views(profile.to_dict(), views, json_file)

    return run(args[i:], around, again)


_TRACE_VIEWS = ("--html", "--speedscope", "--chrome-trace")


def _write_views(data: dict[str, Any], views: dict[str, str], json_file: str | None) -> int:
    """Write the trace ``data`` as JSON and as the views asked for (diagnostics-report.md)."""
    import json

    if json_file is not None:
        with open(json_file, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
            handle.write("\n")
    if not views:
        return 0
    from ..inspect import _report

    if "--html" in views:
        _report.write_html(data, views["--html"])
    for flag, convert in (
        ("--speedscope", _report.to_speedscope),
        ("--chrome-trace", _report.to_chrome_trace),
    ):
        if flag in views:
            with open(views[flag], "w", encoding="utf-8") as handle:
                json.dump(convert(data), handle, separators=(",", ":"))
    return 0


def _trace_error(message: str) -> int:
    print(f"{_TRACE_USAGE}\nimportcraft trace: error: {message}", file=sys.stderr)
    return 2


def _compare(files: list[str], rest: list[str]) -> int:
    import json

    from ..inspect._profile import compare

    limits: dict[str, float] = {}
    i = 0
    while i < len(rest):
        if rest[i] not in ("--max-ms", "--max-new-modules") or i + 1 == len(rest):
            return _trace_error(f"unexpected argument {rest[i]!r} after --compare OLD NEW")
        try:
            limits[rest[i]] = float(rest[i + 1])
        except ValueError:
            return _trace_error(f"{rest[i]} needs a number, not {rest[i + 1]!r}")
        i += 2
    data = []
    for name in files:
        try:
            with open(name, encoding="utf-8") as handle:
                data.append(json.load(handle))
        except (OSError, ValueError) as exc:
            return _trace_error(f"cannot read trace {name!r}: {exc}")
    try:
        text, failed = compare(
            data[0],
            data[1],
            max_ms=limits.get("--max-ms"),
            max_new_modules=(
                int(limits["--max-new-modules"]) if "--max-new-modules" in limits else None
            ),
        )
    except (ValueError, KeyError, TypeError) as exc:
        return _trace_error(f"cannot compare {files[0]!r} and {files[1]!r}: {exc}")
    print(text)
    return 1 if failed else 0


def _stop_trace() -> Any:
    """Stop ``importcraft trace``'s trace, if one runs, and return it (else None).

    For a program dying of a circular import: its imports are over, and what the traceback
    and the explanation load (ast, inspect, ...) is not the program's.
    """
    profile = sys.modules.get("importcraft.inspect._profile")
    active = getattr(profile, "_ACTIVE", None)
    if active is not None:
        active.stop()
    return active


def _explain_cycle(exc: BaseException, active: Any) -> None:
    """After the traceback: why a circular import broke, when it did (loaded only then).

    ``active``: the trace of `importcraft trace`, stopped, that gets the explanation, or None.
    """
    try:
        from ..inspect._cycles import explain_cycle

        explanation = explain_cycle(exc)
    except Exception as error:  # the program's policies may refuse what this needs
        print(
            f"importcraft run: cannot explain this circular import: "
            f"{type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return
    if explanation is not None:
        print(f"\n{explanation}", file=sys.stderr)
        if active is not None:  # for the trace's JSON and HTML report
            active.cycle = {"text": str(explanation), "explanation": explanation.to_dict()}


def show(args: list[str]) -> int:
    """``importcraft show MODULE``: print the module's source as the transforms leave it."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="importcraft show",
        description="Print a module's code as the transform hooks rewrite it, without running "
        "it (its parent packages are imported to find it). Transforms come from --transform "
        "and from the configuration, as for `importcraft run`.",
    )
    parser.add_argument("module", metavar="MODULE", nargs="?")
    parser.add_argument(
        "--cache-info", action="store_true", help="say whether and where transforms are cached"
    )
    own = [option for option in OPTIONS if option.show]
    _add_options(parser, own)
    parser.add_argument("--json", action="store_true", help="print the result as a JSON object")
    options = parser.parse_args(args)
    if options.cache_info:
        from ..rewrite._cache import cache_info

        for field, value in cache_info().items():
            print(f"{field}: {value}")
        if options.module is None:
            return 0
    elif options.module is None:
        parser.error("MODULE is required (or --cache-info)")
    import ast
    import importlib.util

    from ..rewrite._engine import TransformInfo, apply
    from ._config import resolve_transformer

    try:
        given = {o.dest: getattr(options, o.dest) or [] for o in own if o.kind != FILE}
        config = _configuration(given, options.config)
        # Modules are found as `python -m MODULE` would find them: from the current folder
        # first (not the console script's), then the --path folders.
        if not sys.flags.safe_path:
            sys.path[0] = os.getcwd()
        sys.path[1:1] = [str(p) for p in config["path"]]
        name = options.module
        pipeline = [
            resolve_transformer(package, reference)
            for package, reference in config["transform"]
            if name == package or name.startswith(package + ".")
        ]
        spec = importlib.util.find_spec(name)
    except (ConfigError, ImportError, ValueError) as exc:
        print(f"importcraft show: error: {exc}", file=sys.stderr)
        return 2
    loader = spec.loader if spec is not None else None
    get_source = getattr(loader, "get_source", None)
    source = get_source(name) if get_source is not None else None
    if spec is None or source is None:
        print(f"importcraft show: error: no Python source for {name!r}", file=sys.stderr)
        return 2
    if not pipeline:
        print(f"importcraft show: note: no transform applies to {name!r}", file=sys.stderr)
    tree = apply(source, TransformInfo(name, spec.origin or name), pipeline)
    if not options.json:
        return _output(ast.unparse(tree))
    import json

    shown = {
        "module": name,
        "origin": spec.origin,
        "transforms": [
            f"{package}={reference}"
            for package, reference in config["transform"]
            if name == package or name.startswith(package + ".")
        ],
        "source": ast.unparse(tree),
    }
    return _output(json.dumps(shown, indent=2))


def explain(args: list[str]) -> int:
    """``importcraft explain NAME``: why the name resolves where it does; 1 if it does not."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="importcraft explain",
        description="Say how `import NAME` would be resolved from the current folder, step by "
        "step, and what else on the path holds the name, without running any module. Exit "
        "status 0 when the name resolves, 1 when it does not.",
    )
    parser.add_argument("name", metavar="NAME")
    parser.add_argument("--json", action="store_true", help="print the result as a JSON object")
    parser.add_argument(
        "--import-parents",
        action="store_true",
        help="import the parent packages first (runs their __init__) instead of reading "
        "their specs",
    )
    options = parser.parse_args(args)
    from ..inspect._explain import explain as explain_name
    from ..inspect._explain import stdlib_import

    # Found as `python -m NAME` would find it: from the current folder first.
    if not sys.flags.safe_path and sys.path:
        sys.path[0] = os.getcwd()

    try:
        explanation = explain_name(options.name, import_parents=options.import_parents)
    except (TypeError, ValueError) as exc:
        print(f"importcraft explain: error: {exc}", file=sys.stderr)
        return 2
    if options.json:
        # From the standard library's folder: a json.py in the current folder must not run.
        json: Any = stdlib_import("json")
        text = json.dumps(explanation.to_dict(), indent=2)
    else:
        text = str(explanation)
    status = _output(text)
    return status or (0 if explanation.found else 1)


def report(args: list[str]) -> int:
    """``importcraft report``: an HTML report, a speedscope or a Chrome trace file of a saved
    trace (``importcraft trace --json``) or of a ``python -X importtime`` log."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="importcraft report",
        description="Turn an import trace into an offline HTML report (an icicle chart, the "
        "modules, their side effects), a speedscope profile or a Chrome trace (Perfetto, "
        "chrome://tracing). The trace comes from `importcraft trace --json FILE` or from a "
        "`python -X importtime` log (times only).",
    )
    given = parser.add_mutually_exclusive_group(required=True)
    given.add_argument("--from-importtime", metavar="LOG", help="a python -X importtime log")
    given.add_argument("--from-json", metavar="FILE", help="a trace from importcraft trace --json")
    parser.add_argument("--html", metavar="FILE", help="write the HTML report to FILE")
    parser.add_argument("--speedscope", metavar="FILE", help="write a speedscope profile to FILE")
    parser.add_argument("--chrome-trace", metavar="FILE", help="write a Chrome trace to FILE")
    options = parser.parse_args(args)
    if not (options.html or options.speedscope or options.chrome_trace):
        parser.error("give at least one of --html, --speedscope, --chrome-trace")
    import json

    from ..inspect import _report

    source = options.from_importtime or options.from_json
    try:
        if options.from_importtime:
            data = _report.read_importtime(source)
        else:
            data = _report.load_json(source)
        if options.html:
            _report.write_html(data, options.html)
        exports = (
            (options.speedscope, _report.to_speedscope),
            (options.chrome_trace, _report.to_chrome_trace),
        )
        for target, convert in exports:
            if target:
                with open(target, "w", encoding="utf-8") as file:
                    json.dump(convert(data), file, separators=(",", ":"))
    except (OSError, ValueError) as exc:
        print(f"importcraft report: error: {exc}", file=sys.stderr)
        return 1
    written = [t for t in (options.html, options.speedscope, options.chrome_trace) if t]
    modules = len(data["modules"])
    print(f"importcraft report: {modules} modules from {source} -> {', '.join(written)}")
    return 0


def _output(text: str) -> int:
    """Print ``text``; a reader that goes away early (``| head``) ends the command quietly."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # Python would complain again when it flushes stdout at exit: point it at /dev/null.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return 0
