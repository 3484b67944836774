"""Layer 1, import less, later: lazy modules, lazy mode, SPEC 1 ``lazy_attach`` and
optional dependencies.

May import ``core`` and ``rules``; never ``cli`` or the package root.
"""

import os


def eager() -> bool:
    """Whether ``IMPORTCRAFT_EAGER`` or ``EAGER_IMPORT`` asks for every lazy import to be eager.

    Read at each call (a test or a program may set it at run time): any value but "" and "0".
    Here rather than in ``_modules``: ``lazy_attach()`` asks it, and must not load lazy_import's
    machinery.
    """
    get = os.environ.get  # read without a generator: lazy_attach asks once per package
    off = ("", "0")
    return get("IMPORTCRAFT_EAGER", "0") not in off or get("EAGER_IMPORT", "0") not in off
