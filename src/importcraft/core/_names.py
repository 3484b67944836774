"""Module names and ``module:attribute`` references that users hand to us."""


def is_module_name(name: object) -> bool:
    """Whether ``name`` is a valid dotted module name (see :func:`check_module_name`)."""
    return isinstance(name, str) and _fault(name) is None


def check_module_name(name: object, what: str = "module name") -> str:
    """Return ``name`` if it is a valid dotted module name, else raise naming it and the fault.

    A valid name is one or more identifiers joined by dots, none of them a keyword, each
    unchanged by NFKC normalisation: exactly the names an ``import`` statement can spell. (The
    parser normalises identifiers, so ``import ﬁle`` asks for ``file``: a module registered as
    ``"ﬁle"`` could never be imported by a statement.)
    """
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a str, not {type(name).__name__}: {name!r}")
    if name.isidentifier() and name.isascii() and name not in _KEYWORDS:
        return name  # the usual case, a plain top-level name: checked without a loop
    fault = _fault(name)
    if fault is not None:
        raise ValueError(f"{what} {name!r} is not a valid dotted module name: {fault}")
    return name


# keyword.kwlist of Python 3.11 to 3.13 (the same on each; tests/test_names.py holds it to
# the running Python's), written out: importing keyword would cost the first registration.
# fmt: off
_KEYWORDS = frozenset((
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
    "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if",
    "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try",
    "while", "with", "yield",
))
# fmt: on


def _fault(name: str) -> str | None:
    """What keeps ``name`` from being a dotted module name, or ``None``."""
    keywords = _KEYWORDS
    for part in name.split("."):
        if not part.isidentifier():
            return "it has an empty part" if not part else f"{part!r} is not an identifier"
        if part in keywords:
            return f"{part!r} is a keyword, which no import statement can spell"
    if not name.isascii():
        # What the parser makes of each part is exactly what an import statement asks for.
        normal = ".".join(compile(p, "<module name>", "eval").co_names[0] for p in name.split("."))
        if normal != name:
            return (
                f"Python reads it as {normal!r} (identifiers are NFKC-normalised), so no import "
                f"statement can spell it; use {normal!r}"
            )
    return None


def resolve_reference(reference: str) -> object:
    """The object a ``package.module:attribute.path`` reference names, importing the module."""
    import importlib

    module_name, _, attribute = reference.partition(":")
    value: object = importlib.import_module(module_name)
    for part in attribute.split("."):
        value = getattr(value, part)
    return value
