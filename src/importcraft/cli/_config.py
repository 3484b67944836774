"""The configuration ``importcraft run`` applies: read, checked, applied, handed to children.

One configuration, three spellings: command-line options (``--alias OLD=NEW``), a
``[tool.importcraft]`` table in ``pyproject.toml`` (or a standalone TOML file), and the JSON that
child processes find in the ``IMPORTCRAFT_RUN`` environment variable. All three, the command's
argparse options and the way each setting is installed come from one table, :data:`OPTIONS`
(at the end of this module). Everything is checked before the program starts; a problem names
the file (or option), the key and what is wrong.

Nothing here imports ``json``: see "children" below.
"""

from __future__ import annotations

import os
import sys

from ..core._errors import ImportcraftError
from ..core._names import check_module_name, resolve_reference

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from types import ModuleType
    from typing import Any

    from ..core._state import Hook

    # Config key -> values: names ("json"), directories, or [name, value] pairs.
    Config = dict[str, list[Any]]

ENV = "IMPORTCRAFT_RUN"

# What the values of a setting are, and how they combine (see Option; OPTIONS is at the end).
PAIRS = "pairs"  # NAME=VALUE options, a TOML table of name = value (or = [values]); they add up
NAMES = "names"  # module names; they add up
PATHS = "paths"  # directories that exist; they add up
DIR = "dir"  # one directory (need not exist yet); the last one given wins
# The command's own options, which are not settings: no TOML key, not handed to children.
FILE = "file"  # --config FILE
INTERPRETER = "interpreter"  # -X OPT, -W FILTER: options of the program's interpreter
FLAG = "flag"  # -v: no value, counted as python counts it (-vv, -v -v)


class Option(tuple):  # type: ignore[type-arg]
    """One option of ``importcraft run`` and the setting it stands for: a frozen record.

    ``flag`` is the option (``--deprecated-alias``); the setting's TOML key is the flag without
    ``--`` (``deprecated-alias``) and its ``key`` (``deprecated_alias``) names it in a
    :data:`Config`, in ``IMPORTCRAFT_RUN`` and as argparse's ``dest``. The command's own
    options (``--config``, ``-X``, ``-W``) have no key. ``kind`` is what the values are and how
    they combine (PAIRS, NAMES, PATHS, DIR, FILE, INTERPRETER, FLAG). For PAIRS, ``target`` says
    what the value of a pair is (``"name"``, ``"dir"`` or ``"reference"``, as
    ``package.module:function``) and ``form`` how an option's value must look, for errors.
    ``feature`` is the module of importcraft that applies the setting and ``install`` the
    function here that does it (``None``: applied with another setting, or not a setting).
    ``show``: ``importcraft show`` takes the option too. Every option takes one value but
    a FLAG, which takes none.

    A tuple, not a dataclass: this module is loaded into every program ``importcraft run``
    starts and into its children, and dataclasses (or setting attributes one by one) would
    cost them start-up time.
    """

    __slots__ = ()

    def __new__(
        cls,
        flag: str,
        key: str | None,
        metavar: str,
        help: str,
        kind: str,
        *,
        target: str = "",
        form: str = "",
        feature: str | None = None,
        install: Callable[[_Applying, Option], None] | None = None,
        show: bool = False,
    ) -> Option:
        fields = (flag, key, metavar, help, kind, target, form or metavar, feature, install, show)
        return tuple.__new__(cls, fields)

    if TYPE_CHECKING:
        flag: str
        key: str | None
        metavar: str
        help: str
        kind: str
        target: str
        form: str
        feature: str | None
        install: Callable[[_Applying, Option], None] | None
        show: bool
    else:
        flag = property(lambda self: self[0])
        key = property(lambda self: self[1])
        metavar = property(lambda self: self[2])
        help = property(lambda self: self[3])
        kind = property(lambda self: self[4])
        target = property(lambda self: self[5])
        form = property(lambda self: self[6])
        feature = property(lambda self: self[7])
        install = property(lambda self: self[8])
        show = property(lambda self: self[9])

    @property
    def toml(self) -> str:
        """The key of the setting in a TOML file: the flag without ``--``."""
        return self.flag[2:]

    @property
    def dest(self) -> str:
        """The name argparse stores the values under: the key, or the flag's letters."""
        return self.key or self.flag.lstrip("-")

    def __repr__(self) -> str:
        return f"Option({self.flag!r}, key={self.key!r}, kind={self.kind!r})"


# Where each value came from, for error messages: [config key, name, "file: [tool.importcraft] key"
# or "--option"]. Kept beside the values so that merge() keeps it; never handed to children.
WHERE = "where"

# Where the program found the top-level module of each `package.module:Name` reference (transform,
# when-imported): [top, folder] pairs. Written by `importcraft run` for its children only, whose
# sys.path lacks the program's own folder when the .pth bootstrap runs (see LazyCallback).
REFERENCE_FOLDERS = "reference_folders"


# Keys of [tool.importcraft] that belong to other commands: `importcraft check`'s contracts and
# the packages they are checked on. run and show leave them alone; a typo of their own keys is
# still refused.
OTHER_COMMANDS_KEYS = frozenset({"contracts", "root_packages"})


class ConfigError(ImportcraftError):
    """Configuration for ``importcraft run`` that cannot be used; says where and why."""


def empty() -> Config:
    return {WHERE: [], REFERENCE_FOLDERS: [], **{key: [] for key in BY_KEY}}


def ignores_environment() -> bool:
    """True under ``python -E`` and ``-I``: neither ``IMPORTCRAFT_RUN`` nor a ``pyproject.toml``
    found from the current folder is read (only what the command line names explicitly)."""
    import sys

    return bool(sys.flags.ignore_environment or sys.flags.isolated)


def merge(*configs: Config) -> Config:
    merged = empty()
    for config in configs:
        for key, values in config.items():
            merged[key] = [*merged[key], *values]
    return merged


# -- reading ----------------------------------------------------------------------------------


def find_pyproject(start: str) -> str | None:
    """The nearest ``pyproject.toml`` in ``start`` or a folder above it."""
    folder = os.path.abspath(start)
    while True:
        candidate = os.path.join(folder, "pyproject.toml")
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def load_file(path: str) -> Config:
    """Read ``path``: its ``[tool.importcraft]`` table, or (a standalone file) its top level."""
    import tomllib

    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (TOML files must be): byte {exc.start} is "
            f"{exc.object[exc.start : exc.start + 1]!r}; save the file as UTF-8"
        ) from None
    tool = data.get("tool")
    if isinstance(tool, dict) and "importcraft" in tool:
        table, where = tool["importcraft"], f"{path}: [tool.importcraft]"
    elif os.path.basename(path) == "pyproject.toml":
        return empty()
    else:
        table, where = data, path
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table, got {_kind(table)}")
    return parse_table(table, where, base=os.path.dirname(os.path.abspath(path)))


def parse_table(table: dict[str, object], where: str, base: str) -> Config:
    """Check a TOML table's keys and values; relative paths are taken from ``base``."""
    config = empty()
    for key, value in table.items():
        if key in OTHER_COMMANDS_KEYS:
            continue  # another command's (importcraft check reads and checks them)
        option = _BY_TOML.get(key)
        if option is None:
            known = ", ".join(_BY_TOML)
            raise ConfigError(f"{where}: unknown key {key!r} (known keys: {known})")
        config_key, at = str(option.key), f"{where} {key}"
        if option.kind == PAIRS:
            if not isinstance(value, dict):
                raise ConfigError(f"{at}: expected a table of name = value, got {_kind(value)}")
            pairs = []
            for name, target in value.items():
                targets = target if isinstance(target, list) else [target]
                for one in targets:
                    if not isinstance(one, str):
                        raise ConfigError(f"{at}: the value of {name!r} must be a string")
                    pairs.append([name, one])
            config[config_key] = _check_pairs(option, pairs, at, base)
        elif option.kind == DIR:
            if not isinstance(value, str):
                raise ConfigError(f"{at}: expected a string (a directory), got {_kind(value)}")
            config[config_key] = _check_names(option, [value], at, base)
        else:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{at}: expected a list of strings, got {_kind(value)}")
            config[config_key] = _check_names(option, value, at, base)
        config[WHERE].extend(_where(config_key, config[config_key], at))
    return config


def _where(config_key: str, values: list[Any], at: str) -> list[list[str]]:
    return [[config_key, str(v[0] if isinstance(v, list) else v), at] for v in values]


def parse_options(options: dict[str, list[str]]) -> Config:
    """Check command-line options: ``{"alias": ["old=new", ...], "block": ["x"], ...}``."""
    config = empty()
    cwd = os.getcwd()
    for config_key, values in options.items():
        option = BY_KEY[config_key]
        if option.kind == PAIRS:
            pairs = []
            for value in values:
                name, equals, target = value.partition("=")
                if not equals or not name or not target:
                    raise ConfigError(f"{option.flag} {value!r}: expected {option.form}")
                pairs.append([name, target])
            config[config_key] = _check_pairs(option, pairs, option.flag, cwd)
        else:
            config[config_key] = _check_names(option, values, option.flag, cwd)
        config[WHERE].extend(_where(config_key, config[config_key], option.flag))
    return config


def _check_pairs(option: Option, pairs: list[list[str]], at: str, base: str) -> list[list[str]]:
    checked = []
    for name, target in pairs:
        _check_name(name, at)
        if option.target == "dir":
            target = _check_dir(target, f"{at} {name!r}", base)
        elif option.target == "reference":
            module, colon, function = target.partition(":")
            if not colon or not function:
                raise ConfigError(
                    f"{at} {name!r}: {target!r} must look like 'package.module:function'"
                )
            _check_name(module, f"{at} {name!r}")
        else:
            _check_name(target, f"{at} {name!r}")
        checked.append([name, target])
    return checked


def _check_names(option: Option, values: list[str], at: str, base: str) -> list[str]:
    if option.kind == PATHS:
        return [_check_dir(value, at, base) for value in values]
    if option.kind == DIR:
        # The last one given wins (an option over the file); it is made when first written.
        return [os.path.normpath(os.path.join(base, os.path.expanduser(values[-1])))]
    for value in values:
        _check_name(value, at)
    return list(values)


def _check_name(name: str, at: str) -> None:
    try:
        check_module_name(name)
    except ValueError as exc:
        raise ConfigError(f"{at}: {exc}") from None


def _check_dir(path: str, at: str, base: str) -> str:
    full = os.path.normpath(os.path.join(base, os.path.expanduser(path)))
    if not os.path.isdir(full):
        raise ConfigError(f"{at}: {path!r} is not a directory ({full})")
    return full


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return "a string" if isinstance(value, str) else type(value).__name__


# -- children ---------------------------------------------------------------------------------
# The configuration travels as JSON (what json.dumps would write), written and read here. json
# pulls re, enum, functools, collections and more (22 modules) into every child, before the
# policies apply and where the program would find them loaded. Measured on a 2-CPU VM with
# 3.12: a child with IMPORTCRAFT_RUN set starts 6.8 ms slower than a plain one with this codec,
# 24.5 ms slower with json.loads; `importcraft run` (benchmarks/run_startup.py) adds 14.9 ms
# to a program's start-up with it, 32.1 ms with json.dumps and json.loads.


def to_env(config: Config) -> str:
    """The configuration as the JSON text ``IMPORTCRAFT_RUN`` holds (ASCII, as json.dumps)."""
    items = [f"{_quote(k)}: {_list(v)}" for k, v in config.items() if v and k != WHERE]
    return "{" + ", ".join(items) + "}"


def _list(values: list[Any]) -> str:
    return "[" + ", ".join(_list(v) if isinstance(v, list) else _quote(v) for v in values) + "]"


def _quote(text: str) -> str:
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code > 0xFFFF:  # a surrogate pair, as JSON spells it
            code -= 0x10000
            out.append(f"\\u{0xD800 | code >> 10:04x}\\u{0xDC00 | code & 0x3FF:04x}")
        else:
            out.append(f"\\u{code:04x}")
    out.append('"')
    return "".join(out)


def from_env(text: str) -> Config:
    """Read ``IMPORTCRAFT_RUN``; :class:`ConfigError` names the variable and what is wrong."""
    try:
        data, end = _json_value(text, _json_space(text, 0))
        if _json_space(text, end) != len(text):
            raise ValueError(f"unexpected text at character {_json_space(text, end)}")
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        config = empty()
        for key, values in data.items():
            if key == WHERE or key not in config:
                continue  # written by another version of importcraft: not ours to refuse
            kind = PAIRS if key == REFERENCE_FOLDERS else BY_KEY[key].kind
            config[key] = _checked(key, kind, values)
    except ValueError as exc:
        raise ConfigError(f"{ENV} is not a configuration importcraft can read: {exc}") from None
    return config


def _checked(key: str, kind: str, values: object) -> list[Any]:
    if isinstance(values, list):
        if kind != PAIRS and all(isinstance(v, str) for v in values):
            return values
        if kind == PAIRS and all(
            isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v)
            for v in values
        ):
            return values
    wanted = "a list of [name, value] pairs" if kind == PAIRS else "a list of strings"
    raise ValueError(f"{key!r} must be {wanted}")


def _json_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\n\r":
        i += 1
    return i


def _json_value(text: str, i: int) -> tuple[object, int]:
    """A JSON object, list or string at ``text[i]`` (all the configuration uses) and its end."""
    char = text[i : i + 1]
    if char == '"':
        return _json_string(text, i)
    if char not in ("{", "["):
        raise ValueError(f"expected an object, a list or a string at character {i}")
    close = "}" if char == "{" else "]"
    items: list[object] = []
    pairs: dict[str, object] = {}
    i = _json_space(text, i + 1)
    if text[i : i + 1] == close:
        return (pairs if char == "{" else items), i + 1
    while True:
        if char == "{":
            if text[i : i + 1] != '"':
                raise ValueError(f"expected a key at character {i}")
            key, i = _json_string(text, i)
            i = _json_space(text, i)
            if text[i : i + 1] != ":":
                raise ValueError(f"expected ':' at character {i}")
            pairs[key], i = _json_value(text, _json_space(text, i + 1))
        else:
            item, i = _json_value(text, i)
            items.append(item)
        i = _json_space(text, i)
        if text[i : i + 1] == close:
            return (pairs if char == "{" else items), i + 1
        if text[i : i + 1] != ",":
            raise ValueError(f"expected ',' or {close!r} at character {i}")
        i = _json_space(text, i + 1)


_JSON_ESCAPES = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}


def _json_string(text: str, i: int) -> tuple[str, int]:
    start, i, out = i, i + 1, []
    while True:
        end = i
        while end < len(text) and text[end] not in '"\\':
            end += 1
        out.append(text[i:end])
        if end == len(text):
            raise ValueError(f"the string at character {start} is not closed")
        if text[end] == '"':
            return "".join(out), end + 1
        escape = text[end + 1 : end + 2]
        if escape in _JSON_ESCAPES:
            out.append(_JSON_ESCAPES[escape])
            i = end + 2
            continue
        code = _json_hex(text, end)
        i = end + 6
        if 0xD800 <= code < 0xDC00 and text[i : i + 2] == "\\u":
            low = _json_hex(text, i)
            if 0xDC00 <= low < 0xE000:
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                i += 6
        out.append(chr(code))


def _json_hex(text: str, i: int) -> int:
    digits = text[i + 2 : i + 6]
    if text[i + 1 : i + 2] != "u" or len(digits) != 4 or digits.strip("0123456789abcdefABCDEF"):
        raise ValueError(f"bad escape at character {i}")
    return int(digits, 16)


# -- applying ---------------------------------------------------------------------------------


class LazyCallback:
    """A ``package.module:function`` reference imported when first called (in children too)."""

    def __init__(self, reference: str) -> None:
        self.reference = reference
        self.__qualname__ = reference
        self.__module__ = ""  # hook descriptions show the reference as it was written
        self._function: Callable[[ModuleType], object] | None = None

    def resolve(self) -> Callable[[ModuleType], object]:
        if self._function is None:
            target = _resolve(self.reference)
            if not callable(target):
                raise TypeError(f"{self.reference} is not callable")
            self._function = target
        return self._function

    def __call__(self, module: ModuleType) -> object:
        return self.resolve()(module)


# REFERENCE_FOLDERS of the configuration this interpreter applied (a child of `importcraft run`).
_reference_folders: dict[str, str] = {}


def _resolve(reference: str) -> object:
    """The object ``reference`` names, its top-level module imported as the program found it.

    An interpreter started by the program does not have the program's own folder on
    ``sys.path`` while its configuration is applied (nor later, if it runs elsewhere), so a
    transformer beside the script would not be found. When the top-level module is not found
    on ``sys.path``, it is loaded from the folder the program found it in, once, and kept in
    ``sys.modules`` as any import would; ``sys.path`` is not changed.
    """
    top = reference.partition(":")[0].partition(".")[0]
    folder = _reference_folders.get(top)
    if folder is not None and top not in sys.modules:
        import importlib.machinery
        import importlib.util

        if importlib.util.find_spec(top) is None:
            spec = importlib.machinery.PathFinder.find_spec(top, [folder])
            if spec is None or spec.loader is None:
                raise ModuleNotFoundError(
                    f"No module named {top!r} (neither on sys.path nor in {folder!r}, where "
                    "the program found it)",
                    name=top,
                )
            module = importlib.util.module_from_spec(spec)
            sys.modules[top] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(top, None)
                raise
    return resolve_reference(reference)


def reference_folders(config: Config) -> list[list[str]]:
    """Where this interpreter found the top-level module of each reference of ``config``.

    Called by ``importcraft run`` once the configuration is applied (so the modules are
    imported): what its children need to find them (:data:`REFERENCE_FOLDERS`).
    """
    found: dict[str, str] = {}
    for key in ("transform", "when_imported"):
        for _, reference in config[key]:
            top = reference.partition(":")[0].partition(".")[0]
            module = sys.modules.get(top)
            spec = getattr(module, "__spec__", None)
            origin = getattr(spec, "origin", None)
            if spec is None or not getattr(spec, "has_location", False) or not origin:
                continue  # a built-in, frozen or virtual module: nothing a folder can give
            folder = os.path.dirname(origin)
            if spec.submodule_search_locations is not None:
                folder = os.path.dirname(folder)  # a package: the folder holding it
            found[top] = folder
    return [[top, folder] for top, folder in found.items()]


def resolve_transformer(package: str, reference: str, at: str = "transform") -> object:
    """The transformer named ``package.module:Name``: a class is instantiated without arguments.

    ``at`` says where it was configured (``"/x/pyproject.toml: [tool.importcraft] transform"``).
    """
    try:
        target = LazyCallback(reference).resolve()
    except Exception as exc:
        raise ConfigError(
            f"{at} {package!r}: cannot use {reference!r}: {type(exc).__name__}: {exc}"
        ) from None
    if isinstance(target, type):
        try:
            return target()
        except Exception as exc:
            raise ConfigError(
                f"{at} {package!r}: {reference} cannot be made without arguments: {exc}"
            ) from None
    return target


def where(config: Config, config_key: str, name: str) -> str:
    """Where ``name`` under ``config_key`` was configured: the file and key, or the option."""
    for key, named, at in config.get(WHERE, ()):
        if key == config_key and named == name:
            return str(at)
    return BY_KEY[config_key].toml


def add_paths(entries: Iterable[str], at: str = "--path") -> Hook | None:
    """Put ``entries`` on ``sys.path`` after ``sys.path[0]``, as ``PYTHONPATH`` does.

    Entries already on ``sys.path`` are left where they are. Returns the hook that takes out
    exactly the entries added (the same objects, from the same list object, wherever they have
    moved; an equal entry the program added itself stays), or ``None`` when nothing was added.
    ``at`` says where the entries were configured, for the hook's description.
    """
    import sys

    from ..core._state import LOCK, register

    with LOCK:
        added = [entry for entry in entries if entry not in sys.path]
        if not added:
            return None
        path = sys.path
        path[1:1] = added

    def undo() -> None:
        for entry in added:
            for i, present in enumerate(path):
                if present is entry:
                    del path[i]
                    break

    shown = ", ".join(map(repr, added))
    return register(f"sys.path entries {shown} (from {at}, after sys.path[0])", undo)


class _Applying:
    """What :func:`apply` has installed so far, and where the value being installed was given."""

    __slots__ = ("at", "check_callbacks", "config", "hooks")

    def __init__(self, config: Config, check_callbacks: bool) -> None:
        self.config = config
        self.check_callbacks = check_callbacks
        self.hooks: list[Hook] = []
        self.at = "the configuration"  # for errors raised by what is being installed

    def pairs(self, option: Option) -> Iterable[tuple[str, str]]:
        key = str(option.key)
        for name, value in self.config[key]:
            self.at = f"{where(self.config, key, str(name))} {str(name)!r}"
            yield str(name), str(value)
        self.at = "the configuration"

    def names(self, option: Option) -> list[str]:
        return [str(name) for name in self.config[str(option.key)]]


# How each setting is installed; OPTIONS below says which function installs which setting.


def _install_path(run: _Applying, option: Option) -> None:
    names = run.names(option)
    hook = add_paths(names, ", ".join(sorted({where(run.config, "path", n) for n in names})))
    if hook is not None:
        run.hooks.append(hook)


def _install_mount(run: _Applying, option: Option) -> None:
    from ..sources import DirectorySource
    from ..sources._install import mount

    for prefix, folder in run.pairs(option):
        run.hooks.append(mount(prefix, DirectorySource(folder)))


def _install_alias(run: _Applying, option: Option) -> None:
    from ..rules._aliases import alias

    for old, new in run.pairs(option):
        run.hooks.append(alias(old, new, deprecated=option.key == "deprecated_alias"))


def _install_policy(run: _Applying, option: Option) -> None:
    from ..rules._policy import allow_only, block

    install: Callable[..., Hook] = block if option.key == "block" else allow_only
    names = run.names(option)
    try:
        run.hooks.append(install(*names))
    except Exception as exc:
        at = ", ".join(sorted({where(run.config, str(option.key), name) for name in names}))
        raise ConfigError(f"{at}: cannot be applied: {exc}") from exc


def _install_lazy(run: _Applying, option: Option) -> None:
    from ..lazy._modules import lazy_mode

    include, exclude = run.names(option), run.names(BY_KEY["lazy_exclude"])
    nested = option.key == "lazy_nested"
    run.hooks.append(lazy_mode(include=include, exclude=exclude, nested=nested))


def _install_cache_dir(run: _Applying, option: Option) -> None:
    from ..core._state import register
    from ..rewrite._cache import set_cache_dir

    directory = run.names(option)[-1]
    run.hooks.append(register(f"transform cache in {directory!r}", set_cache_dir(directory)))


def _install_transform(run: _Applying, option: Option) -> None:
    from ..rewrite import transform

    for package, reference in run.pairs(option):
        at = where(run.config, "transform", package)
        run.hooks.append(transform(package, resolve_transformer(package, reference, at)))


def _install_when_imported(run: _Applying, option: Option) -> None:
    from ..rules._post_import import when_imported

    for name, reference in run.pairs(option):
        callback = LazyCallback(reference)
        if run.check_callbacks:
            _resolve_now(name, callback, where(run.config, "when_imported", name))
        run.hooks.append(when_imported(name, callback))


def _resolve_now(name: str, callback: LazyCallback, at: str) -> None:
    try:
        callback.resolve()
    except Exception as exc:
        raise ConfigError(
            f"{at} {name!r}: cannot use {callback.reference!r}: {type(exc).__name__}: {exc}"
        ) from None


def apply(config: Config, *, check_callbacks: bool = False, evict_own: bool = False) -> list[Hook]:
    """Install everything ``config`` asks for, in the order of OPTIONS; all of it or, on an
    error, none of it.

    With ``check_callbacks``, every when-imported function is imported at once (with the
    configured paths in place), so that a bad reference stops the program before it starts.
    With ``evict_own`` (the program has not started yet), the modules importcraft loaded for
    itself and that the policies now refuse leave ``sys.modules``, so that the program's
    imports of them are refused too.
    """
    used = [o for o in SETTINGS if o.install is not None and config[str(o.key)]]
    # Each feature's module is imported only when the configuration uses it (they are loaded
    # into the program, and cost its start-up), and before anything is installed: a policy
    # then cannot refuse what they import.
    for option in used:
        if option.feature is not None:
            __import__(f"importcraft.{option.feature}")
    run = _Applying(config, check_callbacks)
    folders_before = dict(_reference_folders)
    _reference_folders.update(config[REFERENCE_FOLDERS])
    try:
        for option in used:
            assert option.install is not None  # for mypy: filtered above
            option.install(run, option)
    except Exception as exc:
        for hook in reversed(run.hooks):
            hook.remove()
        _reference_folders.clear()
        _reference_folders.update(folders_before)
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"{run.at}: cannot be applied: {exc}") from exc
    if evict_own and (config["block"] or config["allow_only"]):
        _evict_refused()
    return run.hooks


def _evict_refused() -> None:
    """Take out of ``sys.modules`` what importcraft loaded for itself and the policies refuse.

    A module in ``sys.modules`` is never looked for, so without this ``--block json`` would
    let the program import the json that reading the configuration had loaded. importcraft's
    own modules stay: the hooks just installed run on them.
    """
    import sys

    from ..core._router import ROUTER

    # sys.modules keeps the order modules finished loading in, and importcraft's __init__
    # imports nothing: what follows it (the program has not run yet) is importcraft's. Under
    # `python -m importcraft`, so is what runpy loaded after start-up (site) to start it.
    names = list(sys.modules)
    starts = [names.index("importcraft")] if "importcraft" in names else [len(names)]
    main_spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if getattr(main_spec, "name", "") == "importcraft.__main__" and "site" in names:
        starts.append(names.index("site") + 1)
    start = min(starts)
    for name in names[start:]:
        if name == "importcraft" or name.startswith("importcraft."):
            continue
        try:
            ROUTER.check(name)
        except ImportError:
            module = sys.modules.pop(name)
            parent, _, child = name.rpartition(".")
            # As a fresh interpreter would have it: `from parent import child` refused as well.
            if parent and getattr(sys.modules.get(parent), child, None) is module:
                delattr(sys.modules[parent], child)


# -- the table of options -----------------------------------------------------------------------
# The one description of `importcraft run`'s options and settings: argparse's options, which
# arguments take a value, the TOML keys, what IMPORTCRAFT_RUN may hold and how each setting is
# installed are all made from it. Settings are installed in this order: the paths first (the
# rest may import from them), policies before what imports user code.

OPTIONS: tuple[Option, ...] = (
    Option(
        "--path", "path", "DIR", "put DIR on sys.path, as PYTHONPATH does", PATHS,
        install=_install_path, show=True,
    ),
    Option(
        "--mount", "mount", "PREFIX=DIR", "serve the package PREFIX from the directory DIR",
        PAIRS, target="dir", feature="sources._install", install=_install_mount,
    ),
    Option(
        "--alias", "alias", "OLD=NEW", "make `import OLD` give the module NEW", PAIRS,
        target="name", feature="rules._aliases", install=_install_alias,
    ),
    Option(
        "--deprecated-alias", "deprecated_alias", "OLD=NEW",
        "as --alias, and warn where OLD is imported", PAIRS,
        target="name", feature="rules._aliases", install=_install_alias,
    ),
    Option(
        "--block", "block", "NAME", "refuse imports of NAME and everything under it", NAMES,
        feature="rules._policy", install=_install_policy,
    ),
    Option(
        "--allow-only", "allow_only", "NAME", "refuse imports outside the NAMEs and the stdlib",
        NAMES, feature="rules._policy", install=_install_policy,
    ),
    Option(
        "--lazy", "lazy", "NAME",
        "make the program's imports of NAME (and everything under it) lazy; NAME's own imports "
        "stay eager",
        NAMES, feature="lazy._modules", install=_install_lazy,
    ),
    Option(
        "--lazy-exclude", "lazy_exclude", "NAME", "keep NAME eager under --lazy (side effects)",
        NAMES,  # installed with --lazy and --lazy-nested
    ),
    Option(
        "--lazy-nested", "lazy_nested", "NAME",
        "as --lazy, and also imports of NAME made inside NAME and inside other lazy modules",
        NAMES, feature="lazy._modules", install=_install_lazy,
    ),
    Option(
        "--cache-dir", "cache_dir", "DIR",
        "keep the transform cache under DIR (also under PYTHONDONTWRITEBYTECODE)",
        DIR, feature="rewrite._cache", install=_install_cache_dir,
    ),
    Option(
        "--transform", "transform", "PKG=MOD:CLASS",
        "rewrite the code of PKG and its modules with the transformer MOD.CLASS",
        PAIRS, target="reference", form="PACKAGE=package.module:Transformer",
        feature="rewrite._engine", install=_install_transform, show=True,
    ),
    Option(
        "--when-imported", "when_imported", "NAME=MOD:FUNC",
        "call MOD.FUNC(module) each time NAME is loaded",
        PAIRS, target="reference", form="NAME=package.module:function",
        feature="rules._post_import", install=_install_when_imported,
    ),
    Option(
        "--config", None, "FILE",
        "a TOML file with the settings (default: [tool.importcraft] in pyproject.toml)",
        FILE, show=True,
    ),
    Option(
        "-X", None, "OPT",
        "start the program's interpreter with -X OPT (e.g. -X dev, -X importtime)", INTERPRETER,
    ),
    Option(
        "-W", None, "FILTER", "start the program's interpreter with -W FILTER (a warnings filter)",
        INTERPRETER,
    ),
    Option(
        "-v", None, "",
        "print to stderr which importcraft rule decided each import of the program, as "
        "IMPORTCRAFT_VERBOSE=1 does; -vv also imports no rule covers", FLAG,
    ),
)  # fmt: skip

SETTINGS = tuple(option for option in OPTIONS if option.key is not None)
BY_KEY = {str(option.key): option for option in SETTINGS}
BY_FLAG = {option.flag: option for option in OPTIONS}
_BY_TOML = {option.toml: option for option in SETTINGS}
