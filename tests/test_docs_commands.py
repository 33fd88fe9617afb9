"""Every command line the docs show names a real command and only flags its ``--help`` lists.

Issue 23: "every command line in the docs is run by a test, or checked against --help".
The lines are taken from README.md and docs/*.md: from fenced code blocks (a prompt ``$ ``
and ``NAME=value`` assignments before the program are allowed, ``#`` comments are not
part of the line, an indented line below one continues it) and from inline code spans.
Each program is asked for its help as a user would run it, once per command: a command
exists when ``PROG COMMAND --help`` exits 0 and shows that command's usage; the flags it
takes are those of its usage lines.  Fast: no simulator, no deploy.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from helpers import ROOT

PROGRAMS = {  # the console scripts of pyproject.toml, run as modules of this checkout
    "qingcloud-mysqlplus": "qingcloud_mysqlplus.bridge.main",
    "qingcloud-mysqlplus-sim": "qingcloud_mysqlplus.sim",
}
DEFAULT_COMMAND = {"qingcloud-mysqlplus-sim": "serve"}  # the sim serves when no command is given
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PROGRAM = re.compile(r"(?:^|(?<=[\s`(]))(qingcloud-mysqlplus(?:-sim)?)(?=\s|$)")
FLAG = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
SPAN = re.compile(r"`([^`]+)`")
PREFIX = re.compile(r"\s*(?:\$\s+)?(?:[A-Za-z_]\w*=\S*\s+)*")  # what may stand before the program: a prompt, NAME=value


@dataclass(frozen=True)
class Line:
    where: str  # page:line
    program: str
    words: tuple[str, ...]  # what follows the program, comments removed


@dataclass(frozen=True)
class Help:
    ok: bool  # the command exists
    flags: frozenset[str]  # what its usage lines and its options list show


def command_lines(page: str, where: str) -> Iterator[Line]:
    """The command lines of one Markdown page: its code blocks' lines, then its inline code spans."""
    for block in FENCE.finditer(page):
        first = page.count("\n", 0, block.start(1)) + 1
        yield from _block_lines(block.group(1).splitlines(), where, first)
    prose = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), page)
    for span in SPAN.finditer(prose):
        line = prose.count("\n", 0, span.start()) + 1
        yield from _program_in(span.group(1).replace("\n", " "), f"{where}:{line}")


def _block_lines(lines: list[str], where: str, first: int) -> Iterator[Line]:
    number = 0
    while number < len(lines):
        text, at = lines[number], first + number
        number += 1
        while number < len(lines) and lines[number][:1].isspace() and lines[number].strip() and PROGRAM.search(text):
            text += " " + lines[number]  # an indented line continues the command above it
            number += 1
        yield from _program_in(text, f"{where}:{at}")


def _program_in(text: str, where: str) -> Iterator[Line]:
    found = PROGRAM.search(text)
    if found is None or not PREFIX.fullmatch(text[: found.start()]):
        return
    rest = re.split(r"\s#\s|\s#$", text[found.end() :], maxsplit=1)[0]
    yield Line(where, found.group(1), tuple(rest.split()))


@functools.cache
def help_of(program: str, command: str | None) -> Help:
    """``PROG [COMMAND] --help``, run as a user would (this checkout's code)."""
    argv = [sys.executable, "-m", PROGRAMS[program], *([command] if command else []), "--help"]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "constructs")}
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False, env=env)
    usage = done.stdout.split("\n\n", 1)[0]
    shown = f"usage: {program}" + (f" {command}" if command else "")
    options = [line.strip().split("  ")[0] for line in done.stdout.splitlines() if re.match(r" {2,4}-", line)]
    flags = {m.group(0) for text in [usage, *options] for m in FLAG.finditer(text)}
    return Help(done.returncode == 0 and re.match(re.escape(shown) + r"\s", usage) is not None, frozenset(flags))


@functools.cache
def commands_of(program: str) -> list[str]:
    """The commands the program's own help lists (argparse shows each one indented by four)."""
    argv = [sys.executable, "-m", PROGRAMS[program], "--help"]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "constructs")}
    text = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True, env=env).stdout
    return re.findall(r"^ {4}([a-z][a-z-]*)\b", text, re.M)


def problems(line: Line) -> list[str]:
    """What is wrong with one command line: an unknown command, or a flag its help does not list."""
    words = [w for w in line.words if w != "..."]
    command = words[0] if words and not words[0].startswith(("-", "[")) else None
    if command is None and any(w not in ("-h", "--help", "--version") for w in words if w.startswith("-")):
        command = DEFAULT_COMMAND.get(line.program)
    if command is not None and command.isupper():  # a placeholder such as COMMAND: every command
        targets: list[str | None] = list(commands_of(line.program))
    else:
        targets = [command]  # None: the program's own help
    helps = {c: help_of(line.program, c) for c in targets}
    found = [f"{line.where}: `{line.program} {c}` is no command" for c, h in helps.items() if not h.ok]
    flags = {m.group(0) for w in words for m in FLAG.finditer(w) if w.lstrip("[").startswith("-")}
    for name, shown in helps.items():
        found += [f"{line.where}: {line.program} {name or ''}: no flag {flag}" for flag in sorted(flags - shown.flags)]
    return found


def doc_lines() -> list[Line]:
    return [line for page in PAGES for line in command_lines(page.read_text(), str(page.relative_to(ROOT)))]


def test_the_docs_show_command_lines_of_both_programs() -> None:
    shown = doc_lines()
    assert {line.program for line in shown} == set(PROGRAMS)
    assert len([line for line in shown if line.words]) >= 20, shown  # the synopses, examples and hints
    assert set(commands_of("qingcloud-mysqlplus")) >= {"add-user", "del-user", "replay", "accounts", "doctor"}
    assert set(commands_of("qingcloud-mysqlplus-sim")) >= {"serve", "accounts", "fault", "options", "proxies"}


def test_every_command_line_in_the_docs_matches_its_help() -> None:
    found = [problem for line in doc_lines() for problem in problems(line)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("page", "wrong"),
    [
        ("```sh\nqingcloud-mysqlplus add-user --zone sh1a --made-up-flag\n```\n", "no flag --made-up-flag"),
        ("Run `qingcloud-mysqlplus del-user --zone sh1a\n--probe` by hand.\n", "no flag --probe"),
        ("```\n$ X=1 qingcloud-mysqlplus frobnicate --zone Z\n```\n", "`qingcloud-mysqlplus frobnicate` is no command"),
        (
            "```\nqingcloud-mysqlplus-sim serve --port 0\n        [--no-such-option 2]\n```\n",
            "no flag --no-such-option",
        ),
        ("`qingcloud-mysqlplus-sim --cluster-jobs --port 0`", "no flag --cluster-jobs"),
        ("`qingcloud-mysqlplus COMMAND --json`", "replay: no flag --json"),
    ],
)
def test_a_made_up_flag_or_command_is_caught(page: str, wrong: str) -> None:
    found = [problem for line in command_lines(page, "page.md") for problem in problems(line)]
    assert any(wrong in problem for problem in found), found


def test_output_lines_and_names_are_not_commands() -> None:
    page = (
        "`qingcloud-mysqlplus: stack e2e: 1 of 2 accounts` and `.qingcloud-mysqlplus/<id>.json`,\n"
        "`pip install 'cdktf-qingcloud-mysqlplus[cdktf]'`, `qingcloud-mysqlplus-<uid>`,\n"
        '```python\nbridge_command=("qingcloud-mysqlplus --zone",)\n```\n'
    )
    assert list(command_lines(page, "page.md")) == []


def options_table() -> dict[str, set[str]]:
    """docs/bridge-cli.md's options table: each flag and the commands its "commands" column names."""
    page = (ROOT / "docs" / "bridge-cli.md").read_text()
    section = re.search(r"^## Options\n(.*?)(?=^## |\Z)", page, re.S | re.M)
    assert section, "docs/bridge-cli.md has no '## Options' section"
    short = {"add": "add-user", "del": "del-user"}
    rows = re.findall(r"^\| `(--[\w-]+)` \| [^|]+ \| ([^|]+) \|", section.group(1), re.M)
    return {flag: {short.get(c.strip(), c.strip()) for c in commands.split(",")} for flag, commands in rows}


def test_the_options_table_names_every_command_that_takes_each_option() -> None:
    table = options_table()
    bridge = "qingcloud-mysqlplus"
    taken = {c: help_of(bridge, c).flags - {"-h", "--help"} for c in commands_of(bridge)}
    shown = {(flag, c) for flag, commands in table.items() for c in commands}
    real = {(flag, c) for c, flags in taken.items() for flag in flags}
    assert not shown - real, f"the table names commands that do not take these: {sorted(shown - real)}"
    assert not real - shown, f"the table misses these (flag, command): {sorted(real - shown)}"


def anchors(page: str) -> set[str]:
    """The anchors GitHub makes of a page's headings: lower case, punctuation dropped, spaces to hyphens."""
    page = FENCE.sub("", page)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in re.findall(r"^#+ (.*)$", page, re.M)}


def test_every_link_between_the_pages_resolves() -> None:
    broken = []
    for page in [*PAGES, ROOT / "CONTRIBUTING.md", ROOT / "CHANGELOG.md"]:
        text = FENCE.sub("", page.read_text())
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue  # another site
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.is_relative_to(ROOT) or not file.exists():
                broken.append(f"{page.name}: {target} (no such file in the repository)")
            elif anchor and file.suffix == ".md" and anchor not in anchors(file.read_text()):
                broken.append(f"{page.name}: {target} (no such heading)")
    assert not broken, "\n".join(broken)
