"""Plugin registries: one per plugin kind, built-ins and entry points through one path.

Built-in components register with the decorator of their registry when their
module is imported; third-party packages declare entry points in the group
``cdmkit.<kind>`` (for example ``cdmkit.loaders``). Both end in
:meth:`Registry.register`, so a plugin can replace nothing silently: a name
registered twice by different objects is an error.

Examples
--------
>>> from cdmkit.registry import Registry
>>> reg = Registry("widgets")
>>> @reg.register("square")
... def square(x):
...     return x * x
>>> reg.get("square")(3)
9
>>> reg.get("cube")
Traceback (most recent call last):
...
cdmkit.errors.UnknownPluginError: unknown widgets plugin 'cube'; valid names: square
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

from .errors import UnknownPluginError

__all__ = ["Registry", "REGISTRIES", "loaders", "cleaners", "comparators", "segmenters",
           "validators", "exporters", "stages", "get_registry"]

# Modules whose import registers the built-ins of each kind.
_BUILTIN_MODULES = {
    "loaders": ["cdmkit.collect.loaders"],
    "cleaners": ["cdmkit.collect.cleaners"],
    "comparators": ["cdmkit.link.comparators"],
    "segmenters": ["cdmkit.segment.clustering"],
    "validators": ["cdmkit.validate.rules"],
    "exporters": ["cdmkit.activate.exporters"],
    "stages": ["cdmkit.report.stages"],
}


class Registry:
    """Named components of one plugin kind.

    Parameters
    ----------
    kind : str
        Plugin kind; entry points are read from the group ``cdmkit.<kind>``.

    Examples
    --------
    >>> r = Registry("demo")
    >>> r.register("noop", object)
    <class 'object'>
    >>> r.names()
    ['noop']
    """

    def __init__(self, kind: str):
        self.kind = kind
        self.group = f"cdmkit.{kind}"
        self._items: dict[str, Any] = {}
        self._origins: dict[str, str] = {}
        self._loaded = False

    def register(self, name: str, obj: Any = None, *, origin: str = "cdmkit") -> Any:
        """Register ``obj`` under ``name``; usable as a decorator when ``obj`` is omitted.

        Parameters
        ----------
        name : str
            Name used in client configs.
        obj : object, optional
            The component (class or function).
        origin : str
            Distribution that provides it (shown by ``cdmkit plugins``).

        Returns
        -------
        object
            ``obj`` unchanged (or the decorator).

        Examples
        --------
        >>> r = Registry("demo")
        >>> @r.register("upper")
        ... class Upper: ...
        >>> r.get("upper").__name__
        'Upper'
        """
        if obj is None:
            def decorator(o: Any) -> Any:
                return self.register(name, o, origin=origin)

            return decorator
        existing = self._items.get(name)
        if existing is not None and existing is not obj:
            raise ValueError(
                f"{self.kind} plugin {name!r} is already registered by "
                f"{self._origins[name]}; choose another name"
            )
        self._items[name] = obj
        self._origins[name] = origin
        return obj

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for module in _BUILTIN_MODULES.get(self.kind, []):
            importlib.import_module(module)
        for ep in entry_points(group=self.group):
            origin = ep.dist.name if ep.dist is not None else ep.value
            try:
                obj = ep.load()
            except Exception as exc:  # a broken plugin must not break the kit
                import warnings

                warnings.warn(f"could not load {self.group} plugin {ep.name!r} from "
                              f"{origin}: {exc}", stacklevel=2)
                continue
            if self._items.get(ep.name) is not obj:
                self.register(ep.name, obj, origin=origin)

    def reload(self) -> None:
        """Read entry points again (after installing a plugin in a running session).

        Examples
        --------
        >>> Registry("demo").reload()
        """
        self._loaded = False
        self._load()

    def get(self, name: str) -> Any:
        """Return the component registered as ``name``.

        Raises
        ------
        UnknownPluginError
            If no such name exists; the message lists the valid names.

        Examples
        --------
        >>> from cdmkit.registry import loaders
        >>> loaders.get("csv").__name__  # doctest: +SKIP
        'CsvLoader'
        """
        self._load()
        try:
            return self._items[name]
        except KeyError:
            raise UnknownPluginError(self.kind, name, self.names()) from None

    def __contains__(self, name: str) -> bool:
        self._load()
        return name in self._items

    def names(self) -> list[str]:
        """Sorted registered names.

        Examples
        --------
        >>> Registry("x").names()
        []
        """
        self._load()
        return sorted(self._items)

    def items(self) -> list[tuple[str, Any, str]]:
        """``(name, component, origin)`` for every registered component, sorted by name.

        Examples
        --------
        >>> Registry("x").items()
        []
        """
        self._load()
        return [(n, self._items[n], self._origins[n]) for n in sorted(self._items)]


loaders = Registry("loaders")
cleaners = Registry("cleaners")
comparators = Registry("comparators")
segmenters = Registry("segmenters")
validators = Registry("validators")
exporters = Registry("exporters")
stages = Registry("stages")

#: Every registry by kind.
REGISTRIES: dict[str, Registry] = {r.kind: r for r in
                                   (loaders, cleaners, comparators, segmenters, validators,
                                    exporters, stages)}


def get_registry(kind: str) -> Registry:
    """Return the registry of a plugin kind.

    Examples
    --------
    >>> get_registry("stages").group
    'cdmkit.stages'
    """
    try:
        return REGISTRIES[kind]
    except KeyError:
        raise UnknownPluginError("plugin kind", kind, sorted(REGISTRIES)) from None

