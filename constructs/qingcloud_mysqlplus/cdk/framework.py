"""Which CDK this process uses: CDK for Terraform (``cdktf``) or its fork CDK Terrain (``cdktn``).

Both ship the same API under different names, but their jsii assemblies must
not meet in one process (a cdktn app that also loads cdktf fails at synth).
So the library binds once, to the framework the app already imported; else
to the one named by ``QINGCLOUD_MYSQLPLUS_FRAMEWORK``; else to whichever is
installed (cdktf first).  Every other module of this layer uses ``fw`` from
here and never imports either framework by name.

``unresolved`` is here too: it answers "is this a token?" in Python for plain
values, so a synth of many accounts does not cross into Node for each prop.
"""

from __future__ import annotations

import importlib
import math
import os
import struct
import sys
from collections.abc import Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any

FRAMEWORK_ENV = "QINGCLOUD_MYSQLPLUS_FRAMEWORK"
CHOICES = ("cdktf", "cdktn")
INSTALL = "pip install 'cdktf-qingcloud-mysqlplus[cdktf]' (or '[cdktn]')"
MISSING = f"qingcloud_mysqlplus needs CDK for Terraform or CDK Terrain: {INSTALL}"
TOKEN_MARKER = "TfToken["  # in every string, list and map token of both frameworks
NUMBER_TOKEN, LIST_NUMBER_TOKEN = 0xFDFF, 0xFBFF  # the top 16 bits of a token number (in a list token)


def choose(modules: Mapping[str, object], environ: Mapping[str, str]) -> tuple[str | None, str]:
    """The framework to bind and why; ``None``: take whichever is installed."""
    for name in reversed(CHOICES):  # cdktn first: an app that imported it must not get cdktf beside it
        if modules.get(name) is not None:
            return name, "already imported"
    wanted = environ.get(FRAMEWORK_ENV, "").strip()
    if not wanted:
        return None, "installed"
    if wanted not in CHOICES:
        raise SystemExit(f"qingcloud_mysqlplus: {FRAMEWORK_ENV}: received {wanted[:40]!r}; expected cdktf or cdktn")
    return wanted, f"{FRAMEWORK_ENV}={wanted}"


def load(modules: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None) -> ModuleType:
    """Import the chosen framework; a missing one is a one-line SystemExit naming the extras."""
    name, why = choose(sys.modules if modules is None else modules, os.environ if environ is None else environ)
    for candidate in (name,) if name else CHOICES:
        try:
            return importlib.import_module(candidate)
        except ModuleNotFoundError as err:
            if err.name != candidate:  # installed, but something it needs is not
                raise SystemExit(f"qingcloud_mysqlplus: {candidate} cannot be imported ({err}): {INSTALL}") from None
    if name:
        raise SystemExit(f"qingcloud_mysqlplus: {name} ({why}) is not installed: {INSTALL}")
    raise SystemExit(MISSING)


if TYPE_CHECKING:
    import cdktf as fw
else:
    fw = load()


_TOKENS: set[str] = set()  # string tokens this library made (a token string is unique in a process)


def known_token(token: str) -> str:
    """Remember ``token`` (a string token just made here), so ``unresolved`` answers for it in Python."""
    _TOKENS.add(token)
    return token


def unresolved(value: Any) -> bool:
    """Whether ``value`` is a token, asking jsii only when Python cannot tell.

    Mirrors the frameworks' own test: a string without a token marker, a bool,
    an int, ``None``, or a float whose bit pattern is not a token number is a
    literal; a list is a token only as a one-element list token.  A NaN or an
    infinity is never sent: JSON has none, and the Node kernel would stop.
    """
    if value is None or isinstance(value, (bool, int)):
        return False
    if isinstance(value, str):
        if value in _TOKENS:
            return True
        return TOKEN_MARKER in value and bool(fw.Token.is_unresolved(value))
    if isinstance(value, float):
        return _token_bits(value, NUMBER_TOKEN)
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            return False
        item = value[0]
        if isinstance(item, str):
            return TOKEN_MARKER in item and bool(fw.Token.is_unresolved([item]))
        return isinstance(item, float) and _token_bits(item, LIST_NUMBER_TOKEN)
    if isinstance(value, dict):
        return any(isinstance(key, str) and TOKEN_MARKER in key for key in value) and bool(
            fw.Token.is_unresolved(value)
        )
    return _carriable(value) and bool(fw.Token.is_unresolved(value))


def _token_bits(number: float, top: int) -> bool:
    if not math.isfinite(number):
        return False
    return bool(struct.unpack("<Q", struct.pack("<d", number))[0] >> 48 == top)


def _carriable(value: Any) -> bool:
    """Whether jsii can carry ``value`` (no NaN or infinity anywhere inside)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(_carriable(item) for item in value)
    if isinstance(value, dict):
        return all(_carriable(item) for item in value.values())
    return True


__all__ = ["CHOICES", "FRAMEWORK_ENV", "MISSING", "choose", "fw", "known_token", "load", "unresolved"]
