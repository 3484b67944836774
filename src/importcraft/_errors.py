"""The exceptions and warnings importcraft raises.

Each subclasses the builtin a user would already catch, so code written for plain Python keeps
working: an import refused by a policy is a ``ModuleNotFoundError``.
"""

from __future__ import annotations

__all__ = ["ImportBlockedError", "ImportcraftError", "ImportcraftWarning"]


class ImportcraftError(Exception):
    """Base class of the errors importcraft raises about its own configuration.

    Catch it to handle any importcraft-specific failure::

        try:
            configure_imports()
        except importcraft.ImportcraftError as exc:
            sys.exit(f"bad import configuration: {exc}")
    """


class ImportBlockedError(ImportcraftError, ModuleNotFoundError):
    """An import refused by an importcraft policy.

    It is a ``ModuleNotFoundError``, so ``try: import x / except ImportError`` fallbacks keep
    working for blocked modules exactly as for missing ones::

        try:
            import requests
        except ImportError:      # also catches ImportBlockedError
            requests = None
    """


class ImportcraftWarning(UserWarning):
    """A problem importcraft noticed but did not raise, such as a failing user callback.

    Turn such problems into errors in a test run::

        warnings.simplefilter("error", importcraft.ImportcraftWarning)
    """
