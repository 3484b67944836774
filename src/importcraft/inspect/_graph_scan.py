"""The fast reader behind ``import_graph()``: import statements found without parsing files.

Parsing a whole file with ``ast`` costs far more than finding its few import statements. One
regular expression walks each file's text and stops only at what matters: comments and string
literals (skipped whole, so a docstring's ``>>> import x`` is never taken for code), the first
keyword of a line (``import``/``from``, and the compound statements ``def``, ``class``, ``if``,
``elif``, ``else``, ``try``, ``except``, ``finally``, ``for``, ``while``, ``with``, ``match``,
``case``, ``async``), a statement that starts at column 0, an ``import`` after ``;`` or a
one-line block's ``:``, and ``import_module(`` / ``__import__(`` calls. A stack of the open
blocks, by indentation, gives each statement the kind of place it is in, with the rules of
``_graph_build._Collector`` (the whole-file parser, kept for ``strict_parse=True``). Only the
import statements themselves are parsed: by a pattern, and by ``ast`` when the pattern does
not recognise one (which then reports it if it does not parse).

A statement is a plain tuple ``(how, module, names, level, line, kind, text)``: what the
per-file cache stores (``_graph_cache.py``), before names are resolved.
"""

from __future__ import annotations

import ast
import codecs
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    Statement = tuple[str, str, tuple[str, ...], int, int, str, str]
    Problem = tuple[int, str]  # (line, message)

_KINDS = ("module", "conditional", "guarded", "type_checking", "function")
_RANK = {kind: rank for rank, kind in enumerate(_KINDS)}

_KEYWORDS = "import|from|def|if|else|for|try|except|class|elif|with|while|async|finally|match|case"
# Every alternative starts with a literal character: the engine then skips ahead to the next
# of those characters instead of trying every alternative at every position.
_TOKENS_TEXT = (
    r"\#[^\n]*+"
    r'|"""[^"\\]*+(?:(?:\\.|"(?!""))[^"\\]*+)*+"""'
    r"|'''[^'\\]*+(?:(?:\\.|'(?!''))[^'\\]*+)*+'''"
    r'|"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"'
    r"|'[^'\\\n]*+(?:\\.[^'\\\n]*+)*+'"
    rf"|\n([ \t\f]*+)({_KEYWORDS})\b"
    r"|\n(?=[^\s#)\]}'\"])"
    r"|;[ \t]*+(import|from)\b"
    r"|:[ \t]*+(import|from)\b"
)
_DYNAMIC_TEXT = r"|import_module[ \t]*\(|__import__[ \t]*\("
# Group numbers of the patterns above.
_G_INDENT, _G_KEYWORD, _G_AFTER_SEMICOLON, _G_AFTER_COLON = 1, 2, 3, 4
_TOKENS = re.compile(_TOKENS_TEXT, re.S)
_TOKENS_DYNAMIC = re.compile(_TOKENS_TEXT + _DYNAMIC_TEXT, re.S)

_NAME = r"[^\W\d]\w*"
_DOTTED = rf"{_NAME}(?:[ \t]*\.[ \t]*{_NAME})*"
_ALIAS = rf"({_DOTTED})(?:\s+as\s+{_NAME})?"
_IMPORT = re.compile(
    rf"import\s+({_DOTTED}(?:\s+as\s+{_NAME})?(?:\s*,\s*{_DOTTED}(?:\s+as\s+{_NAME})?)*)\s*$"
)
_NAMES = rf"{_NAME}(?:\s+as\s+{_NAME})?(?:\s*,\s*{_NAME}(?:\s+as\s+{_NAME})?)*"
_FROM = re.compile(
    rf"from((?:\s*\.)*)\s*({_DOTTED})?\s*import\s*(?:(\*)|\(\s*({_NAMES})\s*,?\s*\)|({_NAMES}))\s*$"
)
_ALIAS_RE = re.compile(_ALIAS)
_NAME_RE = re.compile(rf"({_NAME})(?:\s+as\s+{_NAME})?")
_SPACES = re.compile(r"\s+")
_TYPE_CHECKING_TEST = re.compile(r"[ \t]*\(?[ \t]*(?:[\w.]+\.)?TYPE_CHECKING[ \t]*\)?[ \t]*:")
_IMPORT_ERROR = re.compile(r"\b(?:ImportError|ModuleNotFoundError)\b")
_STATEMENT_END = re.compile(r"[;#\n]")
_DYNAMIC_ARGS = re.compile(
    r"\s*[rRuU]?(['\"])([^'\"\\\n]*)\1\s*"
    r"(?:\)|,\s*(?:package\s*=\s*)?(?:[rRuU]?(['\"])([^'\"\\\n]*)\3"
    r"|(__package__|__name__)\s*[,)])?)"
)
_COMPOUND = re.compile(
    r"[ \t\f]*(?:if|elif|else|try|except|finally|for|while|with|def|class|async)\b"
)
_COOKIE = re.compile(rb"[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_BLANK_OR_COMMENT = re.compile(rb"[ \t\f]*(?:#.*)?\r?$")

_ASYNC_DEF = re.compile(r"[ \t]+def\b")
_LAMBDA = re.compile(r"\blambda\b")


class _Block:
    """An open block: its indentation, its keyword, and the kind it gives its body."""

    __slots__ = ("indent", "keyword", "kind", "try_block")

    def __init__(self, indent: int, keyword: str, kind: str, try_block: _Block | None = None):
        self.indent, self.keyword, self.kind, self.try_block = indent, keyword, kind, try_block


def decode(data: bytes) -> str:
    """The source text of a file's bytes, decoded as Python would (BOM, coding cookie), with
    every line ending made ``\\n``. Raises UnicodeDecodeError / LookupError / SyntaxError."""
    if data.startswith(codecs.BOM_UTF8):
        text = data[3:].decode("utf-8")
    else:
        encoding = "utf-8"
        if b"coding" in data[:400]:
            first, _, rest = data.partition(b"\n")
            found = _COOKIE.match(first)
            if found is None and _BLANK_OR_COMMENT.match(first):
                found = _COOKIE.match(rest.partition(b"\n")[0])
            if found is not None:
                encoding = codecs.lookup(found.group(1).decode("ascii")).name
        text = data.decode(encoding)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _width(indent: str) -> int:
    if "\f" in indent:
        indent = indent.rpartition("\f")[2]
    return len(indent.expandtabs(8)) if "\t" in indent else len(indent)


def scan(data: bytes) -> tuple[list[Statement], list[Problem]]:
    """The import statements of a file's bytes, and the problems met (line, message)."""
    try:
        text = decode(data)
    except (UnicodeDecodeError, LookupError, SyntaxError) as exc:
        return [], [(0, f"cannot decode the file: {type(exc).__name__}: {exc}")]
    if "import" not in text:
        return [], []
    text = "\n" + text  # every line starts after a "\n"; line numbers count them
    dynamic = "import_module" in text or "__import__" in text
    tokens = _TOKENS_DYNAMIC if dynamic else _TOKENS
    found: list[Statement] = []
    problems: list[Problem] = []
    pending: list[tuple[int, tuple[_Block, ...], tuple[str, str, tuple[str, ...], int, str]]] = []
    stack: list[_Block] = []
    counted_to, line = 0, 0

    def line_of(pos: int) -> int:
        nonlocal counted_to, line
        line += text.count("\n", counted_to, pos + 1)
        counted_to = pos + 1
        return line

    last = text.rfind("import")  # past it, only an `except` of an open `try` matters
    for match in tokens.finditer(text):
        if match.start() > last and not any(block.keyword == "try" for block in stack):
            break
        group = match.lastindex
        if group is None:
            first = text[match.start()]
            if first == "\n":  # a statement at column 0 closes every block
                if not _continues(text, match.start()):
                    stack.clear()
            elif first == "i" or first == "_":
                before = text[match.start() - 1]
                if not (before.isalnum() or before == "_"):
                    _dynamic(text, match, line_of(match.start()), stack, pending)
            continue
        if group in (_G_KEYWORD, _G_INDENT):
            if _continues(text, match.start(), "\\([{"):
                continue  # `from a \` + `    import b`: the rest of a statement, not a new one
            keyword = match.group(_G_KEYWORD)
            spaces = match.group(_G_INDENT)
            indent = len(spaces)
            if "\t" in spaces or "\f" in spaces:
                indent = _width(spaces)
            sibling = None
            while stack and stack[-1].indent >= indent:
                block = stack.pop()
                if block.indent == indent:
                    sibling = block
            if keyword == "import" or keyword == "from":
                start = match.start(_G_KEYWORD)
                _statement(text, start, line_of(start), tuple(stack), found, problems, pending)
                continue
            after = match.end()
            if keyword == "if" or keyword == "elif":
                kind = "type_checking" if _TYPE_CHECKING_TEST.match(text, after) else "conditional"
                stack.append(_Block(indent, keyword, kind))
            elif keyword == "else":
                cond = sibling is not None and sibling.keyword in ("if", "elif")
                stack.append(_Block(indent, keyword, "conditional" if cond else ""))
            elif keyword == "try":
                stack.append(_Block(indent, keyword, ""))
            elif keyword == "except":
                owner = None
                if sibling is not None:
                    owner = sibling if sibling.keyword == "try" else sibling.try_block
                if owner is not None:
                    colon = text.find(":", after)
                    if _IMPORT_ERROR.search(text, after, colon if colon >= 0 else len(text)):
                        owner.kind = "guarded"
                stack.append(_Block(indent, keyword, "", owner))
            elif keyword == "def" or (keyword == "async" and _ASYNC_DEF.match(text, after)):
                stack.append(_Block(indent, keyword, "function"))
            else:
                stack.append(_Block(indent, keyword, ""))
        else:  # `import` after `;` or after a one-line block's `:`
            start = match.start(group)
            begin = text.rfind("\n", 0, start) + 1
            physical = text[begin:start]
            stripped = physical.lstrip(" \t\f")
            indent = _width(physical[: len(physical) - len(stripped)])
            if group == _G_AFTER_COLON or _COMPOUND.match(stripped):
                indent += 1  # in the one-line block of this line's compound statement
            while stack and stack[-1].indent >= indent:
                stack.pop()
            _statement(text, start, line_of(start), tuple(stack), found, problems, pending)
    for index, blocks, (how, module, names, level, statement) in pending:
        kind = "module"
        for block in blocks:
            if block.kind and _RANK[block.kind] > _RANK[kind]:
                kind = block.kind
        found.append((how, module, names, level, index, kind, statement))
    found.sort(key=lambda st: st[4])
    return found, problems


def _continues(text: str, newline: int, endings: str = "\\([{,") -> bool:
    """Whether the line before ``newline`` goes on into the next one: it ends in a backslash,
    or in an opening bracket or a comma (inside brackets, where a line may start at column 0).
    A line with a comment is not looked at (its last character says nothing)."""
    end = newline
    while end > 0 and text[end - 1] in " \t\n":
        end -= 1
    begin = text.rfind("\n", 0, end) + 1
    return end > 0 and text[end - 1] in endings and "#" not in text[begin:end]


def _physical(text: str, start: int) -> str:
    begin = text.rfind("\n", 0, start) + 1
    end = text.find("\n", start)
    return text[begin : end if end >= 0 else len(text)].strip()


def _statement(
    text: str,
    start: int,
    line: int,
    blocks: tuple[_Block, ...],
    found: list[Statement],
    problems: list[Problem],
    pending: list[tuple[int, tuple[_Block, ...], tuple[str, str, tuple[str, ...], int, str]]],
) -> None:
    """The import statement at ``start``: its logical line (continuations, parentheses),
    parsed by pattern, else by ``ast``; recorded in ``pending`` with the blocks around it."""
    end = text.find("\n", start)
    simple = text[start:end] if end >= 0 else text[start:]
    if "(" in simple or ";" in simple or "#" in simple or simple.endswith("\\"):
        source = _logical(text, start)
    else:
        source = simple.strip()
    physical = _physical(text, start)
    parsed = _parse_simple(source) or _parse(source)
    if parsed is None:
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            problems.append((line, f"import statement does not parse: {exc.msg}: {source!r}"))
            return
        parsed = []
        for node in tree.body:
            if isinstance(node, ast.Import):
                parsed.extend(("import", alias.name, (), 0) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                names = tuple(alias.name for alias in node.names)
                parsed.append(("from", node.module or "", names, node.level))
    for how, module, names, level in parsed:
        pending.append((line, blocks, (how, module, names, level, physical)))


def _logical(text: str, start: int) -> str:
    """The statement at ``start`` on one line: continuation lines and parentheses joined,
    comments dropped, cut at ``;``."""
    parts: list[str] = []
    opened = False  # inside the parentheses of `from m import (a, b)`
    position = start
    size = len(text)
    while True:
        stop = _STATEMENT_END.search(text, position)
        end = stop.start() if stop is not None else size
        piece = text[position:end]
        if stop is not None and text[end] == "#":
            newline = text.find("\n", end)
            end = newline if newline >= 0 else size
        elif stop is not None and text[end] == ";":
            parts.append(piece)
            break
        opened = opened or "(" in piece
        if piece.rstrip().endswith("\\"):
            parts.append(piece.rstrip()[:-1])
        else:
            parts.append(piece)
            if not opened or ")" in piece:
                break
        if end >= size:
            break
        position = end + 1
    return " ".join(parts).strip()


_SIMPLE_IMPORT = re.compile(r"import ([\w.]+)")
_SIMPLE_FROM = re.compile(r"from (\.*)([\w.]*) import ([\w, ]+)")


def _parse_simple(source: str) -> list[tuple[str, str, tuple[str, ...], int]] | None:
    """``import a.b`` and ``from .a import b, c`` as most are written, or None."""
    found = _SIMPLE_IMPORT.fullmatch(source)
    if found is not None:
        module = found.group(1)
        if all(part.isidentifier() for part in module.split(".")):
            return [("import", module, (), 0)]
        return None
    found = _SIMPLE_FROM.fullmatch(source)
    if found is None:
        return None
    dots, module, listed = found.groups()
    if module and not all(part.isidentifier() for part in module.split(".")):
        return None
    if not (dots or module):
        return None
    names = tuple(name.strip() for name in listed.split(","))
    if not all(name.isidentifier() for name in names):
        return None
    return [("from", module, names, len(dots))]


def _parse(source: str) -> list[tuple[str, str, tuple[str, ...], int]] | None:
    if source.startswith("import"):
        found = _IMPORT.match(source)
        if found is None:
            return None
        return [
            ("import", _SPACES.sub("", alias.group(1)), (), 0)
            for alias in _ALIAS_RE.finditer(found.group(1))
        ]
    found = _FROM.match(source)
    if found is None:
        return None
    dots, module, star, grouped, plain = found.groups()
    level = dots.count(".")
    if star:
        names: tuple[str, ...] = ("*",)
    else:
        names = tuple(m.group(1) for m in _NAME_RE.finditer(grouped or plain))
    return [("from", _SPACES.sub("", module or ""), names, level)]


def _dynamic(
    text: str,
    match: re.Match[str],
    line: int,
    stack: list[_Block],
    pending: list[tuple[int, tuple[_Block, ...], tuple[str, str, tuple[str, ...], int, str]]],
) -> None:
    """A literal ``import_module("a.b")`` / ``__import__("a.b")`` call: recorded with the
    blocks open around its line (a call is no statement: it closes none)."""
    args = _DYNAMIC_ARGS.match(text, match.end())
    if args is None:
        return
    name, package = args.group(2), args.group(4)
    stripped = name.lstrip(".")
    level = len(name) - len(stripped)
    if text[match.start()] == "_" and level:
        return
    if stripped and not all(part.isidentifier() for part in stripped.split(".")):
        return
    if level:
        # A relative name needs its anchor: a literal package, __package__ or __name__.
        anchor_name = args.group(5)
        if package:
            anchor = package.split(".")
            if level - 1 >= len(anchor):
                return
            anchor = anchor[: len(anchor) - (level - 1)]
            stripped, level = ".".join([*anchor, stripped] if stripped else anchor), 0
        elif anchor_name == "__name__":
            level = -level  # relative to the module's own name
        elif anchor_name != "__package__":
            return
    begin = text.rfind("\n", 0, match.start()) + 1
    physical = text[begin : match.start()]
    rest = physical.lstrip(" \t\f")
    indent = _width(physical[: len(physical) - len(rest)])
    if _COMPOUND.match(rest) and ":" in rest:
        indent += 1  # in the one-line block of this line's compound statement (`def f(): ...`)
    blocks = tuple(block for block in stack if block.indent < indent)
    if _LAMBDA.search(rest):
        blocks = (*blocks, _Block(indent, "lambda", "function"))
    pending.append((line, blocks, ("dynamic", stripped, (), level, _physical(text, match.start()))))
