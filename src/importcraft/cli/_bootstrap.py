"""Applies an inherited ``importcraft run`` configuration when an interpreter starts.

``importcraft run`` puts its checked configuration, as JSON, in the ``IMPORTCRAFT_RUN``
environment variable; every child interpreter inherits it. The file
``importcraft_bootstrap.pth``, installed beside the package in site-packages, holds one line
that ``site`` executes at start-up::

    import os, sys; sys.flags.ignore_environment or os.environ.get("IMPORTCRAFT_RUN") and ...

When the variable is unset that line is all an interpreter pays (it is kept short: ``site``
compiles it at every start-up): importcraft is not imported. Under ``python -E`` and ``-I`` the
variable is ignored, as Python ignores its own ``PYTHON*`` variables there: it makes the
interpreter import and run code. When it is set, importing this module applies the
configuration; the import system's cache makes that happen once even when ``site`` processes
the file twice (a venv on 3.11 does).
"""

from __future__ import annotations

import os
import sys

from ._config import ENV, ConfigError, ignores_environment

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from ..core._state import Hook

_hooks: list[Hook] | None = None


def main() -> None:
    """Apply the configuration in ``IMPORTCRAFT_RUN``, once per interpreter.

    A configuration that cannot be used is reported in one line on stderr and removed from the
    environment, so that the program's children do not report it again; the program runs
    without it.
    """
    global _hooks
    if _hooks is not None:
        return
    _hooks = []
    text = os.environ.get(ENV)
    if not text or ignores_environment():
        return
    from ._config import apply, from_env

    try:
        _hooks = apply(from_env(text), evict_own=True)
    except ConfigError as exc:
        message = str(exc) if str(exc).startswith(ENV) else f"{ENV}: {exc}"
        print(f"importcraft: {message} (ignored; the program runs without it)", file=sys.stderr)
        del os.environ[ENV]
        return
    children = os.environ.get("IMPORTCRAFT_TRACE_CHILDREN")  # importcraft trace --children
    if children is not None:
        from ..inspect._profile import trace_until_exit

        trace_until_exit(children or None)


def undo() -> None:
    """Remove what :func:`main` installed (``importcraft run`` replaces it with its own)."""
    global _hooks
    for hook in reversed(_hooks or []):
        hook.remove()
    _hooks = []


main()
