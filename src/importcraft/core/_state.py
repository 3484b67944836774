"""Import state: the one module that changes ``sys.meta_path`` and ``sys.path_hooks``.

Everything importcraft installs is represented by a :class:`Hook`. ``LOCK`` serialises every
change importcraft makes to its own tables and to the interpreter's import lists; the import path
itself never takes it.

``sys.meta_path`` and ``sys.path_hooks`` are changed by *replacing* the list rather than mutating
it in place. importlib iterates over these lists while other threads may be adding or removing
entries; an in-place ``remove`` shifts the items under a running iteration and makes it skip a
finder, which shows up as a spurious ``ModuleNotFoundError`` in an unrelated thread. A running
iteration keeps the old list object and sees a consistent snapshot.
"""

import sys
from _thread import RLock, _local

TYPE_CHECKING = False  # not typing's: importing typing would cost milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping
    from types import FrameType, ModuleType, TracebackType
    from typing import Any

__all__ = ["LOCK", "Hook", "hooks", "isolated"]

LOCK = RLock()

# Active hooks, in installation order (a dict used as an ordered set).
_active: "dict[Hook, None]" = {}

# Callables that snapshot extra state for isolated(); each returns a function that restores it.
_snapshotters: "list[Callable[[], Callable[[], None]]]" = []


class Hook:
    """A change importcraft made to import state, and the means to undo it.

    Every importcraft function that changes how imports behave returns one. ``remove()`` undoes
    exactly that change and may be called any number of times; the hook is also a context
    manager that removes itself on exit::

        with importcraft.virtual({"greeting": "text = 'hi'"}):
            import greeting

    Removing a hook does not unload modules it already served, just as removing a finder from
    ``sys.meta_path`` does not: they stay in ``sys.modules`` until you delete them.
    """

    __slots__ = ("_description", "_undo")

    def __init__(self, description: "str | Callable[[], str]", undo: "Callable[[], None]") -> None:
        # A callable is called when the description is first read: making the text costs
        # more than some registrations themselves.
        self._description = description
        self._undo = undo

    @property
    def description(self) -> str:
        """What the hook does, in the words of the call that made it."""
        description = self._description
        if not isinstance(description, str):
            description = self._description = description()
        return description

    @property
    def active(self) -> bool:
        """Whether the hook is installed."""
        return self in _active

    def remove(self) -> None:
        """Undo the hook's change. Calling it again, or on a removed hook, does nothing."""
        with LOCK:
            if self not in _active:
                return
            self._undo()
            del _active[self]

    def __enter__(self) -> "Hook":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: "TracebackType | None",
    ) -> None:
        self.remove()

    def __repr__(self) -> str:
        state = "active" if self.active else "removed"
        return f"<importcraft.Hook {self.description} [{state}]>"


def register(description: "str | Callable[[], str]", undo: "Callable[[], None]") -> "Hook":
    """Record a change that has just been made; ``undo`` must reverse it exactly.

    ``description`` may be a function making the text, called when it is first read.
    """
    hook = Hook(description, undo)
    with LOCK:
        _active[hook] = None
    return hook


def take_over(parts: "list[Hook]") -> "Callable[[], None]":
    """Fold ``parts`` into one change: they leave the list of hooks; the result undoes them."""
    with LOCK:
        for part in parts:
            _active.pop(part, None)

    def undo() -> None:
        for part in reversed(parts):
            part._undo()

    return undo


def hooks() -> "list[Hook]":
    """The active hooks, oldest first.

    >>> import importcraft
    >>> with importcraft.virtual({"cfg": "debug = True"}) as hook:
    ...     hook in importcraft.hooks()
    True
    """
    return list(_active)


def add_snapshotter(snapshot: "Callable[[], Callable[[], None]]") -> None:
    """Let :func:`isolated` save and restore state kept outside this module."""
    _snapshotters.append(snapshot)


def _contains(items: "Iterable[object]", item: object) -> bool:
    return any(x is item for x in items)


class _WalkEnding(_local):
    end = False  # the default for each thread


_walk = _WalkEnding()


class MetaPath(list):  # type: ignore[type-arg]
    """``sys.meta_path`` while a rule may refuse a probe: a list whose walks can be ended.

    A finder can refuse a name only by raising, which a probe (``importlib.util.find_spec``)
    must not see, or by returning ``None``, after which the finders behind it are asked.
    importlib walks ``sys.meta_path`` with ``for finder in meta_path``, which calls this
    ``__iter__``: a walk resumes right after the finder it just asked returns, so a flag that
    finder set just before returning is seen, and cleared, by exactly the walk that asked
    (a nested walk in the same thread has ended, or consumed its own, before). No list
    anyone holds is ever changed.
    """

    __slots__ = ()

    def __iter__(self) -> "Iterator[Any]":
        walk = _walk
        for finder in list.__iter__(self):
            yield finder
            if walk.end:
                walk.end = False
                return


# Whether sys.meta_path is to be a MetaPath (see end_walk), set by the router.
_ending_walks = False


def _meta_path(finders: "Iterable[object]") -> "list[Any]":
    return MetaPath(finders) if _ending_walks else list(finders)


def set_walk_ending(on: bool) -> None:
    """Make ``sys.meta_path`` a :class:`MetaPath` (``on``) or a plain list again.

    Walks that are running keep the list they started with; a plain list costs imports
    nothing, so it comes back once no rule can refuse.
    """
    global _ending_walks
    if on == _ending_walks and on == isinstance(sys.meta_path, MetaPath):
        return  # nothing to change (the router asks at every change of its rules)
    with LOCK:
        _ending_walks = on
        if on != isinstance(sys.meta_path, MetaPath):
            sys.meta_path = _meta_path(sys.meta_path[:])


def end_walk(lookup: "FrameType") -> bool:
    """End the ``sys.meta_path`` walk of the frame ``lookup`` after the finder now asking.

    The caller must return ``None`` right away. Refused (``False``) if that walk is not over
    a :class:`MetaPath` (someone replaced ``sys.meta_path`` with a list of their own).
    """
    if not isinstance(lookup.f_locals.get("meta_path"), MetaPath):
        return False
    _walk.end = True
    return True


def settle_finder(finder: object, present: bool, ending_walks: bool) -> None:
    """Have ``finder`` on ``sys.meta_path`` (first if it comes now) exactly if ``present``,
    and the list a :class:`MetaPath` exactly if ``ending_walks``.

    What the router calls after every change of its rules: when nothing is to change (the
    usual case) it costs a few comparisons and no lock.
    """
    meta_path = sys.meta_path
    if ending_walks == _ending_walks and ending_walks == isinstance(meta_path, MetaPath):
        for entry in meta_path:
            if entry is finder:
                if present:
                    return
                break
        else:
            if not present:
                return
    with LOCK:
        set_walk_ending(ending_walks)
        if present:
            insert_meta_path_finder(finder)
        else:
            remove_meta_path_finder(finder)


def insert_meta_path_finder(finder: object) -> None:
    """Put ``finder`` at the front of ``sys.meta_path`` unless it is already there."""
    meta_path = sys.meta_path
    if meta_path and meta_path[0] is finder:
        return  # the usual case, checked without the lock (the router asks at every change)
    with LOCK:
        if not _contains(sys.meta_path, finder):
            sys.meta_path = _meta_path([finder, *sys.meta_path])


def remove_meta_path_finder(finder: object) -> None:
    with LOCK:
        if _contains(sys.meta_path, finder):
            sys.meta_path = _meta_path(f for f in sys.meta_path if f is not finder)


def insert_path_hook(hook: "Callable[[str], object]") -> None:
    """Put ``hook`` at the front of ``sys.path_hooks``.

    Path entries that no hook accepted so far are cached as ``None`` in
    ``sys.path_importer_cache``; they are dropped so the new hook is asked about them.
    """
    with LOCK:
        if not _contains(sys.path_hooks, hook):
            sys.path_hooks = [hook, *sys.path_hooks]  # type: ignore[list-item]
        cache = sys.path_importer_cache
        for entry in [e for e, finder in cache.items() if finder is None]:
            cache.pop(entry, None)


def remove_path_hook(hook: "Callable[[str], object]", finders: "Mapping[str, object]") -> None:
    """Take ``hook`` out of ``sys.path_hooks`` and drop the cached ``finders`` it made."""
    with LOCK:
        if _contains(sys.path_hooks, hook):
            sys.path_hooks = [h for h in sys.path_hooks if h is not hook]
        cache = sys.path_importer_cache
        for entry, finder in finders.items():
            if cache.get(entry) is finder:
                del cache[entry]


class isolated:  # lower case: it is used like a function, ``with importcraft.isolated():``
    """Snapshot the import state on entry and restore it exactly on exit.

    Saves ``sys.modules``, ``sys.meta_path``, ``sys.path``, ``sys.path_hooks`` and
    ``sys.path_importer_cache`` (both the objects and their contents) together with importcraft's
    own hooks. Modules first imported inside the block are forgotten (except importcraft's own,
    which hold its state); hooks installed inside are removed and hooks removed inside come back.
    Meant for tests and tools; do not use it while other threads import::

        with importcraft.isolated():
            sys.path.insert(0, "plugins")
            import plugin_a
        assert "plugin_a" not in sys.modules
    """

    def __init__(self) -> None:
        self._restore: Callable[[], None] | None = None

    def __enter__(self) -> "isolated":
        if self._restore is not None:
            raise RuntimeError("importcraft.isolated() is already active; use a new one")
        self._restore = _snapshot()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: "TracebackType | None",
    ) -> None:
        restore, self._restore = self._restore, None
        if restore is not None:
            restore()


def _snapshot() -> "Callable[[], None]":
    with LOCK:
        modules = sys.modules.copy()
        lists: dict[str, tuple[list[Any], list[Any]]] = {
            "meta_path": (sys.meta_path, list(sys.meta_path)),
            "path": (sys.path, list(sys.path)),
            "path_hooks": (sys.path_hooks, list(sys.path_hooks)),
        }
        cache = (sys.path_importer_cache, sys.path_importer_cache.copy())
        active = _active.copy()
        ending_walks = _ending_walks
        extra = [snapshot() for snapshot in _snapshotters]

    def restore() -> None:
        global _ending_walks
        # Hooks installed inside the block are removed properly first (newest first): some
        # change objects no snapshot covers, such as a module's attributes.
        for hook in reversed([h for h in _active if h not in active]):
            hook.remove()
        with LOCK:
            for restore_extra in extra:
                restore_extra()
            _active.clear()
            _active.update(active)
            # The saved sys.meta_path object comes back below, a MetaPath exactly if this was on.
            _ending_walks = ending_walks
            for attr, (original, contents) in lists.items():
                original[:] = contents
                setattr(sys, attr, original)
            cache_obj, cache_contents = cache
            cache_obj.clear()
            cache_obj.update(cache_contents)
            sys.path_importer_cache = cache_obj
            _restore_modules(modules)

    return restore


def _restore_modules(saved: "dict[str, ModuleType]") -> None:
    # Only touch the entries that changed: sys.modules is never empty, even for a moment.
    # importcraft's own modules stay: they hold the router and the classes hooks are made of,
    # and a second copy of them would be a second, disconnected importcraft.
    current = sys.modules
    for name in [name for name in current if name not in saved and not _is_ours(name)]:
        del current[name]
    for name, module in saved.items():
        if current.get(name) is not module:
            current[name] = module


def _is_ours(name: str) -> bool:
    return name == "importcraft" or name.startswith("importcraft.")
