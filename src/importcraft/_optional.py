"""optional() and require(): optional dependencies with helpful errors."""

from __future__ import annotations

import sys

from ._names import check_module_name

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


def optional(name: str) -> ModuleType | None:
    """Module ``name``, or ``None`` if it is not installed.

    Only the module's own absence gives ``None``: a module that is installed but fails to
    import (a broken dependency of its own, a syntax error) raises as usual. Example::

        yaml = importcraft.optional("yaml")
        if yaml is not None:
            FORMATS["yaml"] = yaml.safe_load
    """
    import importlib

    check_module_name(name)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if _missing(name, exc):
            return None
        raise


def require(name: str, *, extra: str | None = None, purpose: str | None = None) -> ModuleType:
    """Module ``name``, or a ``ModuleNotFoundError`` that says how to install it.

    The hint uses the distribution's name, which is not always the module's (``yaml`` is
    ``pip install PyYAML``). With ``extra``, it names the calling package's extra instead
    (``pip install 'mylib[yaml]'``). ``purpose`` says what it is needed for. Example::

        def load(path):
            yaml = importcraft.require("yaml", extra="yaml", purpose="reading YAML files")
            return yaml.safe_load(open(path))
        # ModuleNotFoundError: reading YAML files needs the module 'yaml', which is not
        # installed. Install it with: pip install 'mylib[yaml]'
    """
    import importlib

    check_module_name(name)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if not _missing(name, exc):
            raise
        needed = f"{purpose} needs" if purpose else "this needs"
        command = _install_command(name, extra, sys._getframe(1).f_globals.get("__name__"))
        raise ModuleNotFoundError(
            f"{needed} the module {name!r}, which is not installed. Install it with: {command}",
            name=name,
        ) from exc


def _install_command(name: str, extra: str | None, caller: str | None) -> str:
    if extra is not None:
        package = _distribution_of(caller) if caller else None
        return f"pip install '{package or (caller or name).partition('.')[0]}[{extra}]'"
    distribution = KNOWN_DISTRIBUTIONS.get(name) or KNOWN_DISTRIBUTIONS.get(
        name.partition(".")[0], name.partition(".")[0]
    )
    return f"pip install {distribution}"


def _distribution_of(module_name: str) -> str | None:
    """The installed distribution that provides the top-level package of ``module_name``."""
    from importlib.metadata import packages_distributions

    distributions = packages_distributions().get(module_name.partition(".")[0], [])
    return distributions[0] if distributions else None
