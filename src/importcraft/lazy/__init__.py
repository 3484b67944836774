"""Layer 1, import less, later: lazy modules, lazy mode, SPEC 1 ``lazy_attach`` and
optional dependencies.

May import ``core`` and ``rules``; never ``cli`` or the package root.
"""

import os

# Here rather than in _modules: lazy_attach() asks it, and must not load lazy_import's machinery.
_EAGER_VARIABLES = ("IMPORTCRAFT_EAGER", "EAGER_IMPORT")


def eager() -> bool:
    """Whether ``IMPORTCRAFT_EAGER`` or ``EAGER_IMPORT`` asks for every lazy import to be eager.

    Read at each call (a test or a program may set it at run time): any value but "" and "0".
    """
    environ = os.environ
    return any(environ.get(var, "0") not in ("", "0") for var in _EAGER_VARIABLES)
