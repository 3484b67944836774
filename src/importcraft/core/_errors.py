"""The exceptions and warnings importcraft raises.

Each subclasses the builtin a user would already catch, so code written for plain Python keeps
working: an import refused by a policy is a ``ModuleNotFoundError``.
"""

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from typing import NoReturn

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


def raise_user_error(
    obj: object, stage: str, exc: Exception, fullname: str | None = None
) -> "NoReturn":
    """Raise for ``exc``, which ``obj``'s ``stage`` (user code run by importcraft) raised.

    An ``ImportError`` is the user object's own way of saying it cannot import (and an
    :class:`ImportcraftError` already says what is wrong): it is raised again unchanged but for
    a note naming the object and the stage, so ``except ImportError`` fallbacks keep working.
    Anything else is a bug in the user object, which such a fallback must not hide: it becomes
    an :class:`ImportcraftError` naming the module, the object and the stage, chained to ``exc``.
    """
    where = f" while importing {fullname!r}" if fullname is not None else ""
    if isinstance(exc, ImportError | ImportcraftError):
        exc.add_note(f"raised by {stage} of {obj!r}{where}")
        raise exc
    raise ImportcraftError(f"{stage} of {obj!r} raised {type(exc).__name__}: {exc}{where}") from exc


def user_value_error(
    obj: object, stage: str, value: object, expected: str, fullname: str
) -> "ImportcraftError":
    """An :class:`ImportcraftError` for a user object whose ``stage`` returned a wrong value."""
    return ImportcraftError(
        f"{stage} of {obj!r} returned {value!r} ({type(value).__name__}) while importing "
        f"{fullname!r}; it must return {expected}"
    )
