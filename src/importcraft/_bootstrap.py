"""Applies an inherited ``importcraft run`` configuration when an interpreter starts.

``importcraft run`` puts its checked configuration, as JSON, in the ``IMPORTCRAFT_RUN``
environment variable; every child interpreter inherits it. The file
``importcraft_bootstrap.pth``, installed beside the package in site-packages, holds one line
that ``site`` executes at start-up::

    import os; os.environ.get("IMPORTCRAFT_RUN") and __import__("importcraft._bootstrap")

When the variable is unset that line is all an interpreter pays (it is kept short: ``site``
compiles it at every start-up): importcraft is not imported. When it is set, importing this
module applies the configuration; the import system's cache makes that happen once even when
``site`` processes the file twice (a venv on 3.11 does).
"""

from __future__ import annotations

import os

from ._config import ENV

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from ._state import Hook

_hooks: list[Hook] | None = None


def main() -> None:
    """Apply the configuration in ``IMPORTCRAFT_RUN``, once per interpreter."""
    global _hooks
    if _hooks is not None:
        return
    _hooks = []
    text = os.environ.get(ENV)
    if not text:
        return
    from ._config import apply, from_json

    _hooks = apply(from_json(text))


def undo() -> None:
    """Remove what :func:`main` installed (``importcraft run`` replaces it with its own)."""
    global _hooks
    for hook in reversed(_hooks or []):
        hook.remove()
    _hooks = []


main()
