"""A chapter's parameters: its ``parameters`` cell, the profile's values, the overrides.

Every chapter is a ``notebooks/*.py`` file
(:func:`~gan_study.chapters.discover_notebooks`) whose ``parameters`` cell
declares its parameters with their defaults
(:func:`~gan_study.chapters.notebook_parameters`). :func:`resolve_parameters` takes a profile's
values (:data:`gan_study.profiles.PROFILES`) and the command-line overrides
(:func:`parse_overrides`): ``name=value`` applies to every notebook that has
``name``, ``02_data.name=value`` to that notebook only. Values are read as
Python literals, then as JSON, else as a plain string (:func:`parse_value`);
an unknown name, or a value whose type does not match the default, is an
error that lists the valid ones.
"""

from __future__ import annotations

import ast
import copy
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gan_study import profiles as _profiles
from gan_study.chapters import NOTEBOOK_DIR as NOTEBOOK_DIR
from gan_study.chapters import discover_notebooks as discover_notebooks
from gan_study.chapters import notebook_parameters as notebook_parameters


@dataclass(frozen=True)
class Override:
    """One ``-p NAME VALUE`` from the command line.

    ``notebook`` is None for a bare name (applies to every notebook that has
    the parameter).
    """

    notebook: str | None
    name: str
    value: Any
    text: str | None = None  # the VALUE as typed, for messages

    @property
    def label(self) -> str:
        return f"{self.notebook}.{self.name}" if self.notebook else self.name


def parse_value(text: str) -> Any:
    """Read a command-line value: a Python literal, else JSON, else the plain string.

    Examples
    --------
    >>> parse_value("3"), parse_value("None"), parse_value("true"), parse_value("ham10000")
    (3, None, True, 'ham10000')
    """
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        pass
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_overrides(pairs: Iterable[Sequence[str]]) -> list[Override]:
    """Turn ``[(NAME, VALUE), ...]`` into :class:`Override` objects.

    ``NAME`` is ``param`` or ``NOTEBOOK.param`` (``NOTEBOOK`` is a stem such as
    ``02_data``).
    """
    out = []
    for pair in pairs:
        if len(pair) != 2:
            raise ValueError(f"an override is NAME VALUE, got {list(pair)!r}")
        key, text = pair
        notebook, _, name = key.rpartition(".")
        if not name.isidentifier():
            raise ValueError(f"override name {key!r} is not NAME or NOTEBOOK.NAME")
        out.append(Override(notebook or None, name, parse_value(text), text))
    return out


#: How a message names the type of a parameter, and what to pass instead.
_TYPE_WORDS = {
    bool: ("a bool", "True or False"),
    int: ("an int", "an integer"),
    float: ("a float", "a number"),
    str: ("a str", "a string"),
    list: ("a list", "a list such as [1, 2]"),
    tuple: ("a tuple", "a list such as [1, 2]"),
    dict: ("a dict", "a dict such as {'a': 1}"),
}


def _type_words(value: Any) -> tuple[str, str]:
    kind = type(value)
    return _TYPE_WORDS.get(kind, (f"a {kind.__name__}", f"a {kind.__name__}"))


def _type_ok(default: Any, value: Any) -> bool:
    if default is None or value is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    if isinstance(default, (list, tuple)):
        return isinstance(value, (list, tuple))
    return isinstance(value, type(default))


def resolve_parameters(
    notebooks: Sequence[Path],
    profile: str = _profiles.DEFAULT_PROFILE,
    overrides: Sequence[Override] = (),
    profiles: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Parameters for each notebook: its profile entry, then the overrides.

    Parameters
    ----------
    notebooks : sequence of Path
        The notebooks of the build (``notebooks/*.py``).
    profile : str
        ``quick``, ``standard`` or ``full``.
    overrides : sequence of Override
        From :func:`parse_overrides`, applied in order.
    profiles : mapping, optional
        Profile table to use instead of :data:`gan_study.profiles.PROFILES`.

    Returns
    -------
    dict
        Notebook stem -> parameter dict to inject.

    Raises
    ------
    ValueError
        Unknown profile; a notebook without a profile entry; a profile entry
        or an override naming a parameter the notebook's ``parameters`` cell
        lacks (the message lists the valid names); a value of the wrong type.
    """
    table = profiles if profiles is not None else _profiles.PROFILES
    if profile not in table:
        raise ValueError(f"unknown profile {profile!r}; valid profiles: {', '.join(table)}")
    entries = table[profile]
    declared = {nb.stem: notebook_parameters(nb) for nb in notebooks}
    resolved: dict[str, dict[str, Any]] = {}
    for stem, defaults in declared.items():
        if stem not in entries:
            if defaults:
                raise ValueError(
                    f"notebook {stem} has no entry in profile {profile!r}, whose standard "
                    "values are read from the parameters cells of the chapters in "
                    f"{_profiles.ROOT / NOTEBOOK_DIR}: build from that checkout"
                )
            resolved[stem] = {}
            continue
        unknown = sorted(set(entries[stem]) - set(defaults))
        if unknown:
            raise ValueError(
                f"profile {profile!r} sets {', '.join(unknown)} for notebook {stem}, whose "
                f"parameters cell has: {', '.join(defaults) or '(none)'}"
            )
        resolved[stem] = copy.deepcopy(dict(entries[stem]))

    for ov in overrides:
        if ov.notebook is not None:
            if ov.notebook not in declared:
                raise ValueError(
                    f"-p {ov.label}: no notebook {ov.notebook!r}; notebooks: {', '.join(declared)}"
                )
            targets = [ov.notebook]
            if ov.name not in declared[ov.notebook]:
                raise ValueError(
                    f"-p {ov.label}: notebook {ov.notebook} has no parameter {ov.name!r}; "
                    f"valid: {', '.join(declared[ov.notebook]) or '(none)'}"
                )
            group = _profiles.shared_group(ov.notebook, ov.name)
            if group is not None:
                users = [n for n, g in _profiles.USES.items() if group in g]
                raise ValueError(
                    f"-p {ov.label}: {ov.name} belongs to the shared {group!r} of chapters "
                    f"{', '.join(users)}, which must agree (a chapter of its own would train "
                    f"or reuse other runs without a word); set it for all with -p {ov.name} ..."
                )
        else:
            targets = [stem for stem, d in declared.items() if ov.name in d]
            if not targets:
                valid = sorted({n for d in declared.values() for n in d})
                raise ValueError(
                    f"-p {ov.name}: no notebook has a parameter {ov.name!r}; "
                    f"valid parameters: {', '.join(valid)}"
                )
        for stem in targets:
            default = declared[stem][ov.name]
            if not _type_ok(default, ov.value):
                kind, wanted = _type_words(default)
                got = ov.text if ov.text is not None else repr(ov.value)
                raise ValueError(
                    f"-p {ov.label} {got}: parameter {stem}.{ov.name} is {kind} (its default "
                    f"is {default!r}), but {got} reads as {ov.value!r}, {_type_words(ov.value)[0]}; "
                    f"pass {wanted}, e.g. -p {ov.label} {default!r}"
                )
            resolved[stem][ov.name] = copy.deepcopy(ov.value)
    return resolved
