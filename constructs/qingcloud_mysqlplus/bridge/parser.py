"""argparse, made strict and quiet about values: no abbreviated flags, the nearest real flag for a wrong one.

argparse would take ``--rep`` for ``--replace-existing``, answer an unknown
flag with the top-level usage, and echo what it refused (``unrecognized
arguments: --password Secret``).  Here every parser refuses abbreviations, a
refusal raises :class:`.inputs.UsageError` (``main`` prints it, with the
command's own usage, and maps it to exit 2), and no refusal shows a value:
only flag names and the commands' names.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from typing import Any, NoReturn

from . import contract
from .inputs import NOT_SHOWN, UsageError

PASSWORD_WORDS = frozenset({"password", "passwd", "pass", "pw", "pwd", "secret"})
PASSWORD_HINT = (f"the password is never read from the command line: set ${contract.PASSWORD}, name another "
                 "variable with --password-env NAME, or pipe it to --password-stdin")  # fmt: skip
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that refuses abbreviations and raises :class:`UsageError` instead of exiting."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def parse_args(self, args: Sequence[str] | None = None, namespace: Any = None) -> Any:  # type: ignore[override]
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            sub = self.subcommand(getattr(parsed, "command", None)) or self
            sub.error(unknown(extras, sub))
        return parsed

    def subcommand(self, name: str | None) -> Parser | None:
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and name in action.choices:
                found = action.choices[name]
                return found if isinstance(found, Parser) else None
        return None

    def error(self, message: str) -> NoReturn:
        err = UsageError(reworded(message, self))
        err.usage = self.format_usage()
        raise err


def flags_of(parser: argparse.ArgumentParser) -> list[str]:
    return [flag for action in parser._actions for flag in action.option_strings if flag.startswith("--")]


def commands_of(parser: argparse.ArgumentParser) -> list[str]:
    return [name for a in parser._actions if isinstance(a, argparse._SubParsersAction) for name in a.choices]


def unknown(extras: Sequence[str], parser: argparse.ArgumentParser) -> str:
    """The flags the command does not take, each with the nearest real one (values are not shown)."""
    flags = list(dict.fromkeys(e.split("=", 1)[0] for e in extras if e.startswith("-")))
    if not flags:
        return f"unexpected argument ({NOT_SHOWN}); each value follows its flag, e.g. --user NAME"
    real = flags_of(parser)
    if len(flags) == 1:
        return f"unknown option {flags[0]}; {suggestion(flags[0], real)}"
    return "unknown options " + ", ".join(f"{flag} ({suggestion(flag, real)})" for flag in flags)


def suggestion(flag: str, real: Sequence[str]) -> str:
    import difflib  # only for a wrong flag: the bridge's start stays small

    word = flag.lstrip("-").lower()
    if word in PASSWORD_WORDS or (len(word) >= 4 and "password".startswith(word)):
        return PASSWORD_HINT
    close = [f for f in real if f.startswith(flag)] or difflib.get_close_matches(flag, real, n=1, cutoff=0.6)
    if len(close) == 1:
        return f"did you mean {close[0]}?"
    if close:
        return f"did you mean one of {', '.join(close)}?"
    return "--help lists the options"


def reworded(message: str, parser: argparse.ArgumentParser) -> str:
    """argparse's refusal without the value it quotes."""
    if "invalid choice:" in message:
        import difflib

        names = commands_of(parser)
        quoted = QUOTED.search(message)
        close = difflib.get_close_matches(quoted.group(0)[1:-1] if quoted else "", names, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        return f"unknown command ({NOT_SHOWN}): expected one of {', '.join(names)}{hint}"
    if "ignored explicit argument" in message:
        flag = message.split(":", 1)[0].removeprefix("argument ")
        return f"{flag} takes no value ({NOT_SHOWN})"
    if message.startswith("unrecognized arguments"):
        return f"unexpected arguments ({NOT_SHOWN})"
    return QUOTED.sub("(a value not shown)", message)
