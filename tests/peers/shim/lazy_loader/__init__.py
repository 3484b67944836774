"""A stand-in for ``lazy_loader`` whose API is importcraft's: what tests/peers/ runs
lazy_loader's own test suite against (tests/peers/test_lazy_loader_suite.py puts this folder
first on ``PYTHONPATH``, so the suite's ``import lazy_loader as lazy`` gets this module).

Each name maps to what a user moving from lazy_loader to importcraft would write; nothing here
re-implements lazy_loader's behaviour. Where importcraft has no counterpart the call raises, so
the peer's test fails visibly (docs/lazy.md, "Differences from lazy_loader and LazyLoader").
"""

from __future__ import annotations

import importcraft

# Marks the stand-in, so the adapter can check the suite did not test the real lazy_loader.
IMPORTCRAFT_SHIM = True


def attach(package_name, submodules=None, submod_attrs=None):  # type: ignore[no-untyped-def]
    return importcraft.lazy_attach(package_name, submodules, submod_attrs)


def attach_stub(package_name, filename):  # type: ignore[no-untyped-def]
    return importcraft.lazy_attach_stub(package_name, filename)


def load(fullname, *, require=None, error_on_import=False):  # type: ignore[no-untyped-def]
    if require is not None:
        raise TypeError(
            "importcraft.lazy_import has no require= (a version requirement checked at "
            "declaration); see docs/lazy.md"
        )
    # lazy_loader defers a missing module's error to first use unless error_on_import: that is
    # lazy_import's check=False; error_on_import=True is check=True.
    return importcraft.lazy_import(fullname, check=error_on_import)


class _MissingModuleCheck(type):
    def __instancecheck__(cls, obj: object) -> bool:
        # importcraft's counterpart of lazy_loader's error placeholder: a pending lazy module
        # whose module does not exist, which importcraft.optional() reports without loading it.
        import types

        return (
            isinstance(obj, types.ModuleType)
            and importcraft.is_lazy(obj)
            and importcraft.optional(obj.__name__) is None
        )


class DelayedImportErrorModule(metaclass=_MissingModuleCheck):
    """``isinstance(m, DelayedImportErrorModule)``: ``m`` is a lazy module that does not exist."""
