"""An inventory as text: a table, JSON, or ``MysqlPlusAccount`` declarations to paste into a stack.

Only the non-secret fields of the inventory are ever written: no password, no
directive, no signature.  The declarations are exact, so that a deploy with
the right passwords adopts each account (the bridge adopts an account whose
add_user carried exactly what the construct would send, password included).
"""

from __future__ import annotations

import json
import shlex

from ..rules import AccountRuleError, Privilege, check_account, primary_of
from .doctor import Check
from .inventory import Account, Inventory
from .probe import ProbeResult

ADD_PARAMS = ("database", "host", "passwd", "priv", "ssl", "user")  # what the bridge's add_user sends
COLUMNS = ("USER", "HOST", "DATABASE", "PRIV", "SSL", "JOB", "CREATED", "CHANNEL")
REFUSED = "the construct refuses what it was made with"
PRIVILEGES = {"StandardAccount": "Privilege.STANDARD", "SuperuserAccount": "Privilege.SUPERUSER"}


def printable(text: str) -> str:
    """One line with no control character: a record's text (a user name made in the console, say) can
    neither break a comment of the Python output nor send escapes to a terminal."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def depth_line(inv: Inventory) -> str:
    """How far back the history reaches, and what an incomplete read leaves out."""
    line = f"history of {inv.cluster}: {inv.depth.words} ({inv.depth.source})"
    if inv.unreadable:
        line += f"; {inv.unreadable} job(s) without a readable directive: accounts they made are not listed"
    elif not inv.depth.complete:
        line += "; accounts made before that are not listed"
    return line


def uncertain_line(inv: Inventory) -> str:
    if not inv.uncertain:
        return "uncertain: none"
    return "uncertain: " + "; ".join(f"{u.user} ({u.why})" for u in inv.uncertain)


def table(inv: Inventory) -> str:
    cells = [(a.user, a.host, a.database, a.priv, a.ssl, a.job_id, a.created, a.channel or "?") for a in inv.accounts]
    rows = [COLUMNS, *(tuple(printable(cell) for cell in row) for row in cells)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    if not inv.accounts:
        lines = [f"no account of {inv.cluster} is shown by its job history"]
    notes = [printable(depth_line(inv)), printable(uncertain_line(inv)),
             "created: when the add_user job that made the account ended (its status_time)"]  # fmt: skip
    return "\n".join(lines + notes) + "\n"


def as_json(inv: Inventory) -> str:
    return json.dumps(inv.as_json(), indent=2) + "\n"


def not_exact(account: Account) -> str:
    """Why no declaration can carry exactly what the account was made with ("" when one can)."""
    try:
        spec = check_account(account.user, account.host, account.database, account.priv, account.ssl == "YES")
    except AccountRuleError as err:
        return f"{REFUSED} ({err})"
    if set(account.params) != set(ADD_PARAMS):
        return f"its add_user carried the parameters {', '.join(sorted(account.params)) or 'none'}, not {', '.join(ADD_PARAMS)}"
    if not account.password_kept:
        return "its job record hides the password (masked), so the bridge cannot tell the account is as declared"
    if (spec.database, spec.privilege.value, spec.ssl, spec.user) != (account.database, account.priv, account.ssl,
                                                                     account.user):  # fmt: skip
        return "its database, priv or ssl is spelt otherwise than the construct sends them"
    return ""


def python(inv: Inventory, zone: str) -> str:
    """Declarations for the body of a stack (scope ``self``), each with its own ephemeral password."""
    head = [f"# Accounts of {inv.cluster} (zone {zone}) as its job history shows them.",
            f"# {printable(depth_line(inv))}.",
            "# Paste into a TerraformStack's __init__ (scope `self`) and set TF_VAR_pw_<user> to each account's",
            "# current password: the deploy then adopts each account as it is (without a job when its add_user is",
            "# among the cluster's 100 newest jobs; else after one add_user that fails or is refused).",
            "from qingcloud_mysqlplus import MysqlPlusAccount, Privilege, ephemeral_password", ""]  # fmt: skip
    pairs = alternating_pairs(inv)
    if pairs:
        head[-2] = head[-2].replace("Privilege, ", "Privilege, Rotation, ")
    seconds, newest = set(pairs.values()), _newest_per_user(inv)
    body = [_declaration(a, inv.cluster, zone, pairs.get(a.user)) for a in newest if a not in seconds]
    doubts = [
        printable(f"# {u.user}: not declared, uncertain ({u.why}); check it in the console") for u in inv.uncertain
    ] + [printable(f"# {a.user} is also at host {a.host} (add_user job {a.job_id}): not declared, as a stack "
                   f"declares one host per user; delete that host with: {_del_command(a, inv.cluster, zone)}")
         for a in inv.accounts if a not in newest]  # fmt: skip
    if not inv.accounts:
        body = [f"# no account of {inv.cluster} is shown by its job history"]
    return "\n".join(head) + "\n" + "\n".join(body + doubts) + "\n"


def _del_command(a: Account, cluster: str, zone: str) -> str:
    return shlex.join(["qingcloud-mysqlplus", "del-user", "--zone", zone, "--cluster", cluster, "--user", a.user,
                       "--host", a.host])  # fmt: skip


def _newest_per_user(inv: Inventory) -> list[Account]:
    """Each user's newest account (the inventory lists a user at two hosts newest first)."""
    seen: dict[str, Account] = {}
    for account in inv.accounts:
        seen.setdefault(account.user, account)
    return list(seen.values())


def _literal(text: str) -> str:
    """A Python string literal in the style ruff formats (double quotes); json's escapes are Python's too."""
    return json.dumps(text)


def alternating_pairs(inv: Inventory) -> dict[str, Account]:
    """A recognised pair of alternating users: ``x`` and ``x_alt`` both listed, neither a superuser (a pair
    never is).  The first account's name -> the second account."""
    listed = {a.user: a for a in _newest_per_user(inv)}
    found = {}
    for user, second in listed.items():
        first = listed.get(primary_of(user) or "")
        if first is not None and Privilege.SUPERUSER.value not in (first.priv, second.priv):
            found[first.user] = second
    return found


def _declaration(a: Account, cluster: str, zone: str, second: Account | None = None) -> str:
    channel = f", through the {a.channel}" if a.channel else ""
    why = not_exact(a)
    lines = [f"# {a.user}: made by add_user job {a.job_id} (ended {a.created}{channel})."]
    if second is not None:
        lines += [f"# {second.user}: made by add_user job {second.job_id} (ended {second.created}): the pair's second "
                  "account (rotation=ALTERNATING_USERS).",
                  f"# The first deploy adopts {a.user} as declared here; the first rotation re-makes {second.user},",
                  f"# whose add fails as it exists, unless that deploy sets replace_existing=True or "
                  f"{second.user} is deleted first."]  # fmt: skip
    if why:
        lines.append(f"# Not adoptable as declared: {why}; a deploy leaves it untouched and fails, saying so.")
    lines.append(
        f"# With replace_existing=True (and a new TF_VAR_pw_{a.user}) it is re-created with that password instead."
    )
    privilege = PRIVILEGES.get(a.priv, _literal(a.priv))
    props = {"cluster_id": _literal(cluster), "zone": _literal(zone), "user": _literal(a.user),
             "password": f"ephemeral_password(self, {_literal('pw_' + a.user)})", "host": _literal(a.host),
             "database": _literal(a.database), "privilege": privilege, "ssl": str(a.ssl == "YES")}  # fmt: skip
    if second is not None:
        props["rotation"] = "Rotation.ALTERNATING_USERS"
    code = ["MysqlPlusAccount(", "    self,", f"    {_literal(a.user)},",
            *(f"    {name}={value}," for name, value in props.items()), ")", ""]  # fmt: skip
    if why.startswith(REFUSED):
        code = [f"# {line}" if line else "" for line in code]  # it would not synth: left for the reader to fix
    return "\n".join([printable(line) for line in lines] + code)  # the code's strings are JSON-escaped


def check_line(check: Check) -> str:
    """One line per check: status, name, what was found, and what to do when it did not pass."""
    fix = f" -> {check.fix}" if check.fix else ""
    return printable(f"{check.status:<4}  {check.name:<13}  {check.text}{fix}")


def probe_lines(result: ProbeResult) -> list[str]:
    """What the probe did, then its ``name=value`` lines (to paste into an issue), then what to do."""
    lines = [f"probe: {'; '.join(result.steps) or 'nothing done'}"]
    if result.error:
        lines.append(f"probe: stopped: {result.error}")
    if result.cleanup:
        lines.append(f"probe: its account {result.user} is still on the cluster: remove it with: {result.cleanup}")
    lines += result.lines
    if result.lines:
        lines.append("probe: paste the name=value lines above into an issue of the project, so that the "
                     "simulator's defaults follow the real service")  # fmt: skip
    lines += [f"probe: {line} is no simulator option yet: please report it" for line in result.unmatched]
    if result.found.get("directive") == "clear":
        lines.append("probe: note: job records keep add_user's password in clear: whoever may read the cluster's "
                     "jobs may read account passwords")  # fmt: skip
    return [printable(line) for line in lines]
