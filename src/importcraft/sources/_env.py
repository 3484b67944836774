"""EnvSource: configuration modules made from environment variables."""

from __future__ import annotations

import os

from ..core._errors import ImportcraftError
from ..core._names import is_module_name
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
        """The attributes of section ``section``: ``{"host": "..."}`` from ``SECTION_HOST``.

        Only ASCII letters are case-mapped (Unicode's mapping is not reversible: ``"ß".upper()``
        is ``"SS"``), so a non-ASCII section name is a ``ValueError`` and a variable of the
        section with non-ASCII characters in its name is an :class:`~importcraft.ImportcraftError`
        naming it, as is one that would set module metadata (``SECTION___NAME__`` would be
        ``__name__``: names that begin and end with ``__`` are reserved).
        """
        if not section.isascii():
            raise ValueError(
                f"EnvSource: section {section!r} is not ASCII; sections are found by upper-casing "
                "their name, which is only done for ASCII names (environment variable names are "
                "ASCII letters, digits and '_')"
            )
        prefix = section.upper() + "_"
        found = {}
        for key, value in sorted(self._environ.items()):
            if not (key.startswith(prefix) and len(key) > len(prefix)):
                continue
            attr = key[len(prefix) :]
            if not attr.isascii():
                raise ImportcraftError(
                    f"EnvSource: variable {key!r} of section {section!r} has non-ASCII characters "
                    "in its name, whose lower case Python could only guess; rename the variable "
                    "with ASCII letters, digits and '_'"
                )
            attr = attr.lower()
            if len(attr) > 4 and attr.startswith("__") and attr.endswith("__"):
                raise ImportcraftError(
                    f"EnvSource: variable {key!r} would set {attr!r} of module {section!r}; names "
                    "that begin and end with '__' are reserved for Python's module metadata. "
                    "Rename the variable"
                )
            found[attr] = value
        return found

    def lookup(self, name: str) -> Literal["module", "package"] | None:
        if name == "":
            return "package"
        if "." in name:
            return None
        if not name.isascii():
            raise ModuleNotFoundError(
                f"EnvSource reads no section for {name!r}: only ASCII names are upper-cased to "
                "variable prefixes (environment variable names are ASCII letters, digits and '_')"
            )
        if self.strict and not self.variables(name):
            return None
        return "module"

    def get_source(self, name: str) -> str:
        if name == "":
            return ""
        lines = [f"# Made by importcraft.EnvSource from the variables {name.upper()}_*.\n"]
        for attr, value in self.variables(name).items():
            if "." not in attr and is_module_name(attr):
                lines.append(f"{attr} = {value!r}\n")
            else:
                lines.append(f"globals()[{attr!r}] = {value!r}\n")
        return "".join(lines)

    def __repr__(self) -> str:
        return f"EnvSource(strict={self.strict})"
