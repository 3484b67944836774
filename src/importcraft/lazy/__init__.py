"""Layer 1, import less, later: lazy modules, lazy mode, SPEC 1 ``lazy_attach`` and
optional dependencies.

May import ``core`` and ``rules``; never ``cli`` or the package root.
"""

import os

# The names as os.environ keys them (bytes on POSIX, upper case on Windows): see eager().
_EAGER_KEYS = tuple(os.environ.encodekey(name) for name in ("IMPORTCRAFT_EAGER", "EAGER_IMPORT"))


def eager() -> bool:
    """Whether ``IMPORTCRAFT_EAGER`` or ``EAGER_IMPORT`` asks for every lazy import to be eager.

    Read at each call (a test or a program may set it at run time): any value but "" and "0".
    Here rather than in ``_modules``: ``lazy_attach()`` asks it, and must not load lazy_import's
    machinery. Looked up in the dict behind ``os.environ``, which every change of ``os.environ``
    updates: ``os.environ.get`` of a missing name raises and catches a KeyError inside, which
    made this check cost 6 µs, a tenth of a ``lazy_import``.
    """
    environ = os.environ
    data = environ._data  # type: ignore[attr-defined]
    for key in _EAGER_KEYS:
        value = data.get(key)
        if value is not None and environ.decodevalue(value) not in ("", "0"):
            return True
    return False
