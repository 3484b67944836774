"""EnvSource: configuration modules made from environment variables."""

from __future__ import annotations

import os

from ._base import Source

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Literal


class EnvSource(Source):
    """Modules whose attributes are environment variables, one module per variable prefix.

    Mounted as ``config``, ``import config.database`` gives a module whose attributes are the
    ``DATABASE_*`` variables, lowercased without the prefix (``DATABASE_HOST`` → ``host``). The
    values are the variables' strings, untouched. A section with no variables is an empty module,
    or ``ModuleNotFoundError`` with ``strict=True``. Example::

        importcraft.mount("config", importcraft.EnvSource())
        from config import database
        connect(database.host, int(database.port))

    Variables are read when the module is loaded, so ``importlib.reload(config.database)`` sees
    the current environment. ``environ`` replaces ``os.environ`` (for tests). The module's source,
    as ``inspect.getsource`` shows it, is the assignments it was made from.
    """

    label = "env"
    mount_only = True

    def __init__(self, *, strict: bool = False, environ: Mapping[str, str] | None = None) -> None:
        self.strict = strict
        self._environ: Mapping[str, str] = os.environ if environ is None else environ

    def variables(self, section: str) -> dict[str, str]:
        """The attributes of section ``section``: ``{"host": "..."}`` from ``SECTION_HOST``."""
        prefix = section.upper() + "_"
        return {
            key[len(prefix) :].lower(): value
            for key, value in sorted(self._environ.items())
            if key.startswith(prefix) and len(key) > len(prefix)
        }

    def lookup(self, name: str) -> Literal["module", "package"] | None:
        if name == "":
            return "package"
        if "." in name or (self.strict and not self.variables(name)):
            return None
        return "module"

    def get_source(self, name: str) -> str:
        if name == "":
            return ""
        import keyword

        lines = [f"# Made by importcraft.EnvSource from the variables {name.upper()}_*.\n"]
        for attr, value in self.variables(name).items():
            if attr.isidentifier() and not keyword.iskeyword(attr):
                lines.append(f"{attr} = {value!r}\n")
            else:
                lines.append(f"globals()[{attr!r}] = {value!r}\n")
        return "".join(lines)

    def __repr__(self) -> str:
        return f"EnvSource(strict={self.strict})"
