"""Applies an inherited ``importcraft run`` configuration when an interpreter starts.

``importcraft run`` puts its checked configuration, as JSON, in the ``IMPORTCRAFT_RUN``
environment variable; every child interpreter inherits it. The file
``importcraft_bootstrap.pth``, installed beside the package in site-packages, holds one line
that ``site`` executes at start-up::

    import os; "IMPORTCRAFT_RUN" in os.environ and __import__(...).main()

When the variable is unset that line is all an interpreter pays: importcraft is not imported.
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
        return  # site may process the same .pth file twice (a venv on 3.11 does)
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
