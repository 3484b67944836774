"""Layer 0, the core: import state, the router, and what every capability builds on.

Owns the only code that changes ``sys.meta_path``, ``sys.path_hooks`` and
``sys.path_importer_cache`` (through :class:`~importcraft.Hook`), the router (the one
meta-path finder), importcraft's errors, dotted-name checks, frame trimming for tracebacks,
the loaders of modules that are not files, and the PEP 302 adapter the router asks legacy
finders through, and the decision trace (``IMPORTCRAFT_VERBOSE``, ``_trace``). Imports nothing
else of importcraft.
"""

import os

# The decision trace (_trace), asked for by the environment: switched on before anything of
# the core is used. Off, its module is never loaded and the router is the plain one.
if os.environ.get("IMPORTCRAFT_VERBOSE", "0") not in ("", "0"):
    from ._trace import set_verbose_from_environment

    set_verbose_from_environment()
