"""optional() and require(): optional dependencies with helpful errors."""

from __future__ import annotations

import sys

from ..core._names import check_module_name

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from types import ModuleType

__all__ = ["optional", "require"]

# Import names whose distribution on PyPI is called something else.
KNOWN_DISTRIBUTIONS = {
    "attr": "attrs",
    "bs4": "beautifulsoup4",
    "Crypto": "pycryptodome",
    "cv2": "opencv-python",
    "dateutil": "python-dateutil",
    "docx": "python-docx",
    "dotenv": "python-dotenv",
    "fitz": "PyMuPDF",
    "gi": "PyGObject",
    "git": "GitPython",
    "google.protobuf": "protobuf",
    "jose": "python-jose",
    "jwt": "PyJWT",
    "magic": "python-magic",
    "MySQLdb": "mysqlclient",
    "OpenSSL": "pyOpenSSL",
    "PIL": "Pillow",
    "pptx": "python-pptx",
    "serial": "pyserial",
    "skimage": "scikit-image",
    "sklearn": "scikit-learn",
    "slugify": "python-slugify",
    "usb": "pyusb",
    "win32api": "pywin32",
    "wx": "wxPython",
    "yaml": "PyYAML",
    "zmq": "pyzmq",
}


def _missing(name: str, exc: ModuleNotFoundError) -> bool:
    """Whether ``exc`` says ``name`` itself (or a package above it) is not installed."""
    missing = exc.name or ""
    return bool(missing) and (name == missing or name.startswith(missing + "."))


def _import(name: str) -> ModuleType:
    """``importlib.import_module(name)``, refusing a lazy placeholder for a module not there.

    ``lazy_import(name, check=False)`` puts a placeholder in ``sys.modules`` without looking
    the module up; an import finds it there, so it would pass for the module itself.
    """
    import importlib

    module = sys.modules.get(name)
    lazy = sys.modules.get("importcraft.lazy._modules")  # not loaded: no module can be lazy
    if (
        module is not None
        and lazy is not None
        and lazy.is_lazy(module)
        and not lazy.findable(module)
    ):
        raise ModuleNotFoundError(
            f"No module named {name!r} (sys.modules holds a lazy placeholder for it, "
            "declared with check=False, but no finder finds the module)",
            name=name,
        )
    return importlib.import_module(name)


def optional(name: str) -> ModuleType | None:
    """Module ``name``, or ``None`` if it is not installed.

    Only the module's own absence gives ``None``: a module that is installed but fails to
    import (a broken dependency of its own, a syntax error) raises as usual. A lazy placeholder
    in ``sys.modules`` (``lazy_import(name, check=False)``) counts only if the module exists;
    it is returned still lazy. Example::

        yaml = importcraft.optional("yaml")
        if yaml is not None:
            FORMATS["yaml"] = yaml.safe_load
    """
    check_module_name(name)
    try:
        return _import(name)
    except ModuleNotFoundError as exc:
        if _missing(name, exc):
            return None
        raise


def require(name: str, *, extra: str | None = None, purpose: str | None = None) -> ModuleType:
    """Module ``name``, or a ``ModuleNotFoundError`` that says how to install it.

    The hint names the distribution that provides ``name`` (from installed metadata, then a
    table of well-known mismatches: ``yaml`` is ``pip install PyYAML``), never a module of the
    standard library. If the calling package's installed distribution declares an extra for
    it (``extra``, or the extra whose ``Requires-Dist`` names that distribution), the hint is
    that extra: ``pip install 'mylib[yaml]'``. ``purpose`` says what the module is needed for.
    Example::

        def load(path):
            yaml = importcraft.require("yaml", extra="yaml", purpose="reading YAML files")
            return yaml.safe_load(open(path))
        # ModuleNotFoundError: reading YAML files needs the module 'yaml', which is not
        # installed. Install it with: pip install 'mylib[yaml]'
    """
    check_module_name(name)
    try:
        return _import(name)
    except ModuleNotFoundError as exc:
        if not _missing(name, exc):
            raise
        needed = f"{purpose} needs" if purpose else "this needs"
        top = name.partition(".")[0]
        if top in sys.stdlib_module_names:
            raise ModuleNotFoundError(
                f"{needed} the module {name!r}, which cannot be imported here. It belongs to "
                "Python's standard library, so no pip package provides it: this Python was "
                "built or packaged without it (some Linux distributions ship it apart), or an "
                "import policy blocks it",
                name=name,
            ) from exc
        caller = sys._getframe(1).f_globals
        command = _install_command(name, extra, _calling_package(caller))
        raise ModuleNotFoundError(
            f"{needed} the module {name!r}, which is not installed. Install it with: {command}",
            name=name,
        ) from exc


def _calling_package(namespace: dict[str, object]) -> str | None:
    """The top-level package of the module whose globals are ``namespace`` (None: a script)."""
    module_name = namespace.get("__name__")
    if module_name == "__main__":  # python -m pkg.cli runs pkg.cli as __main__
        spec = namespace.get("__spec__")
        module_name = getattr(spec, "name", None)
    return module_name.partition(".")[0] if isinstance(module_name, str) else None


def _install_command(name: str, extra: str | None, caller: str | None) -> str:
    top = name.partition(".")[0]
    provider = (
        _distribution_of(top) or KNOWN_DISTRIBUTIONS.get(name) or KNOWN_DISTRIBUTIONS.get(top, top)
    )
    own = _distribution_of(caller) if caller else None
    if own is not None:
        own_extra = _extra_for(own, extra, provider)
        if own_extra is not None:
            return f"pip install '{own}[{own_extra}]'"
    return f"pip install {provider}"


def _distribution_of(import_name: str) -> str | None:
    """The installed distribution that provides the top-level package ``import_name``."""
    from importlib.metadata import packages_distributions

    distributions = packages_distributions().get(import_name.partition(".")[0], [])
    return distributions[0] if distributions else None


def _normal(name: str) -> str:
    """A distribution or extra name compared as pip compares them (PEP 503, PEP 685)."""
    for separator in "_.":
        name = name.replace(separator, "-")
    while "--" in name:
        name = name.replace("--", "-")
    return name.lower()


def _requirement(requirement: str) -> tuple[str, str | None]:
    """The distribution a ``Requires-Dist`` line names, and the extra its marker needs."""
    text, _, marker = requirement.partition(";")
    text = text.strip()
    end = 0
    while end < len(text) and (text[end].isalnum() or text[end] in "._-"):
        end += 1
    marker = marker.replace(" ", "")
    at = marker.find("extra==")
    extra = None
    if at >= 0 and marker[at + 7 : at + 8] in ("'", '"'):
        quote = marker[at + 7]
        extra = marker[at + 8 :].partition(quote)[0]
    return text[:end], extra


def _extra_for(distribution: str, extra: str | None, provider: str) -> str | None:
    """The extra of ``distribution`` to suggest: ``extra`` if it declares it, else the one
    whose requirements name ``provider``; None if there is none."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        fields = metadata(distribution)
    except PackageNotFoundError:
        return None
    declared: dict[str, str] = {_normal(e): e for e in fields.get_all("Provides-Extra") or []}
    if extra is not None:
        return declared.get(_normal(extra))
    wanted = _normal(provider)
    for line in fields.get_all("Requires-Dist") or []:
        required, needs = _requirement(line)
        if needs is not None and _normal(required) == wanted:
            return declared.get(_normal(needs), needs)
    return None
