"""The ``importcraft`` command: ``importcraft run [OPTIONS] (SCRIPT | -m MODULE | -c CODE) ...``.

Only imported by the command itself; nothing here leaks into ``import importcraft``.
"""

from __future__ import annotations

import argparse
import os
import runpy
import signal
import sys
import zipfile
from importlib.machinery import SourceFileLoader

from ._config import ENV, ConfigError

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import CodeType, TracebackType

    from ._config import Config

_RUN_OPTIONS = {
    "--alias": ("alias", "OLD=NEW", "make `import OLD` give the module NEW"),
    "--deprecated-alias": (
        "deprecated_alias",
        "OLD=NEW",
        "as --alias, and warn where OLD is imported",
    ),
    "--block": ("block", "NAME", "refuse imports of NAME and everything under it"),
    "--allow-only": ("allow_only", "NAME", "refuse imports outside the NAMEs and the stdlib"),
    "--mount": ("mount", "PREFIX=DIR", "serve the package PREFIX from the directory DIR"),
    "--path": ("path", "DIR", "put DIR on sys.path, as PYTHONPATH does"),
    "--transform": (
        "transform",
        "PKG=MOD:CLASS",
        "rewrite the code of PKG and its modules with the transformer MOD.CLASS",
    ),
    "--lazy": ("lazy", "NAME", "make imports of NAME (and everything under it) lazy"),
    "--lazy-exclude": ("lazy_exclude", "NAME", "keep NAME eager under --lazy (side effects)"),
    "--when-imported": (
        "when_imported",
        "NAME=MOD:FUNC",
        "call MOD.FUNC(module) each time NAME is loaded",
    ),
}

_RUN_DESCRIPTION = """\
Run a Python program as `python` would (sys.argv, __main__, exit status, tracebacks), with
import hooks installed first. The program's Python subprocesses and its multiprocessing
children (spawn and forkserver) run with the same hooks. Settings come from the options and
from a [tool.importcraft] table in the nearest pyproject.toml (or the file given by --config).
"""


def _run_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="importcraft run",
        usage="importcraft run [OPTIONS] (SCRIPT [ARGS] | -m MODULE [ARGS] | -c CODE [ARGS])",
        description=_RUN_DESCRIPTION,
    )
    for option, (dest, metavar, help_text) in _RUN_OPTIONS.items():
        parser.add_argument(option, dest=dest, metavar=metavar, action="append", help=help_text)
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="a TOML file with the settings (default: [tool.importcraft] in pyproject.toml)",
    )
    return parser


def _main_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="importcraft",
        description="Python's import system, made programmable, safe, fast and observable.",
    )
    parser.add_argument("--version", action="version", version=f"importcraft {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser("run", help="run a program with import hooks", add_help=False)
    commands.add_parser("show", help="print a module's code as transformed", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``importcraft`` and ``python -m importcraft``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "run":
        return run(args[1:])
    if args and args[0] == "show":
        return show(args[1:])
    _main_parser().parse_args(args)  # prints help, version or the usage error, and exits
    return 2


def _split(args: list[str]) -> tuple[list[str], tuple[str, str], list[str]]:
    """Split ``run``'s arguments into its options, what to run, and the program's arguments."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-m", "-c"):
            if i + 1 == len(args):
                _run_parser().error(f"argument {arg}: expected one argument")
            return args[:i], (arg, args[i + 1]), args[i + 2 :]
        if arg == "--":
            if i + 1 == len(args):
                break
            return args[:i], ("script", args[i + 1]), args[i + 2 :]
        if arg.startswith("-"):
            takes_value = arg.split("=", 1)[0] in (*_RUN_OPTIONS, "--config")
            i += 2 if takes_value and "=" not in arg else 1
            continue
        return args[:i], ("script", arg), args[i + 1 :]
    _run_parser().parse_args(args)  # -h / --help, or an unknown option
    _run_parser().error("nothing to run: give SCRIPT, -m MODULE or -c CODE")
    raise AssertionError("unreachable")  # parser.error exits


def _configuration(options: argparse.Namespace) -> Config:
    from ._config import find_pyproject, load_file, merge, parse_options

    if options.config is not None:
        from_file = load_file(options.config)
    else:
        pyproject = find_pyproject(os.getcwd())
        from_file = load_file(pyproject) if pyproject is not None else merge()
    given = {dest: getattr(options, dest, None) for dest, _, _ in _RUN_OPTIONS.values()}
    return merge(from_file, parse_options({k: v for k, v in given.items() if v}))


def run(args: list[str]) -> int:
    """``importcraft run``: install the configuration, then run the program as Python would."""
    own, (mode, target), program_args = _split(args)
    options = _run_parser().parse_args(own)

    # sys.argv and sys.path[0] as `python SCRIPT`, `python -m MODULE`, `python -c CODE` set them.
    if mode == "script":
        sys.argv = [target, *program_args]
        sys.path[0] = os.path.dirname(os.path.realpath(target))
    elif mode == "-m":
        sys.argv = ["-m", *program_args]  # runpy puts the module's path in argv[0]
        sys.path[0] = os.getcwd()
    else:
        sys.argv = ["-c", *program_args]
        sys.path[0] = ""

    from . import _bootstrap
    from ._config import apply, to_json

    _bootstrap.undo()  # a configuration inherited from a parent `importcraft run` is replaced
    try:
        config = _configuration(options)
        for_children = to_json(config)  # before the policies apply: it imports json
        apply(config, check_callbacks=True)
    except ConfigError as exc:
        print(f"importcraft run: error: {exc}", file=sys.stderr)
        return 2
    os.environ[ENV] = for_children
    if config["path"]:
        inherited = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = os.pathsep.join(
            [*map(str, config["path"]), *([inherited] if inherited else [])]
        )
    return _execute(mode, target)


def _execute(mode: str, target: str) -> int:
    # Everything this needs is imported with the module: the program's policies (--allow-only)
    # are in force from here on.
    try:
        if mode == "-c":
            _run_in_main(compile(target, "<string>", "exec"))
        elif mode == "-m":
            runpy._run_module_as_main(target, alter_argv=True)  # type: ignore[attr-defined]
        elif os.path.isfile(target) and not _is_zip(target):
            # As the interpreter runs a script: an absolute __file__, argv[0] as typed.
            path = os.path.abspath(target)
            with open(path, "rb") as handle:
                code = compile(handle.read(), path, "exec", dont_inherit=True)
            _run_in_main(code, path)
        else:
            runpy.run_path(target, run_name="__main__")  # a directory or zip with __main__.py
    except SystemExit:
        raise
    except BaseException as exc:
        _report(exc)
        if isinstance(exc, KeyboardInterrupt):
            # Die of SIGINT, as Python does, so the parent sees the right status.
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
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


def _is_zip(path: str) -> bool:
    return zipfile.is_zipfile(path)


def _report(exc: BaseException) -> None:
    """Print the traceback Python would print: the program's frames, not importcraft's."""
    tb: TracebackType | None = exc.__traceback__
    ours = (os.path.dirname(os.path.abspath(__file__)) + os.sep, _runpy_file(), "<frozen runpy>")
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(ours):
        tb = tb.tb_next
    # The default hook prints the exception's own __traceback__ when it has one.
    sys.excepthook(type(exc), exc.with_traceback(tb), tb)


def _runpy_file() -> str:
    return os.path.abspath(runpy.__file__ or "")


def show(args: list[str]) -> int:
    """``importcraft show MODULE``: print the module's source as the transforms leave it."""
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
    for option in ("--transform", "--path"):
        dest, metavar, help_text = _RUN_OPTIONS[option]
        parser.add_argument(option, dest=dest, metavar=metavar, action="append", help=help_text)
    parser.add_argument("--config", metavar="FILE", help="a TOML file with the settings")
    options = parser.parse_args(args)
    if options.cache_info:
        from ._transform._cache import cache_info

        for field, value in cache_info().items():
            print(f"{field}: {value}")
        if options.module is None:
            return 0
    elif options.module is None:
        parser.error("MODULE is required (or --cache-info)")
    import ast
    import importlib.util

    from ._config import resolve_transformer
    from ._transform._engine import TransformInfo, apply

    try:
        config = _configuration(options)
        sys.path[0:0] = [str(p) for p in config["path"]]
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
    print(ast.unparse(tree))
    return 0
