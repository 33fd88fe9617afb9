"""The benchmark's CDKTF app, and an in-process synth probe.

As a cdktf app (copied into each project as its main.py by
:mod:`bench.projects`) it reads the JSON file named by ``BENCH_SPEC``::

    {"clusters": ["cl-..."], "zone": "sh1a", "plain": false,
     "stacks": [{"name": "bench", "accounts": 20, "prefix": "u"}]}

Each stack holds ``accounts`` MysqlPlusAccounts (users ``<prefix><j>``, or
``<prefix><i>_<j>`` when there are several stacks), account ``j`` on cluster
``clusters[j % len(clusters)]``, each with the ephemeral password variable
``pw_<user>``.  A stack may also set ``"password_version"`` (default 1: a
rotation is new passwords and this plus one) and ``"rotation": "alternating"``
(``Rotation.ALTERNATING_USERS``, with one output ``active_<user>`` per account
naming the account to log in as now).  ``"plain": true`` makes each stack one plain
``terraform_data`` instead (the floor: cdktf and Terraform without our
construct).

``python bench/app.py --probe CASES.json`` imports cdktf, then for each case
``{"name", "stacks": [...]}`` builds a fresh App in a temporary directory and
times the construction and ``app.synth()`` separately; prints one JSON object.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "constructs"))


def user_name(prefix: str, stack_index: int, account_index: int, stacks: int) -> str:
    return f"{prefix}{account_index}" if stacks == 1 else f"{prefix}{stack_index}_{account_index}"


def users_of(spec: dict[str, Any]) -> list[str]:
    """Every account's user, in the order ``build`` declares them (none in a plain spec)."""
    if spec.get("plain"):
        return []
    stacks = spec["stacks"]
    return [user_name(item.get("prefix", "u"), i, j, len(stacks)) for i, item in enumerate(stacks)
            for j in range(int(item["accounts"]))]  # fmt: skip


def build(spec: dict[str, Any], outdir: str | None = None) -> Any:
    """The app of ``spec``, constructed (not synthesized)."""
    import cdktf

    app = cdktf.App(outdir=outdir) if outdir else cdktf.App()
    stacks = spec["stacks"]
    for i, item in enumerate(stacks):
        stack = cdktf.TerraformStack(app, item["name"])
        if spec.get("plain"):
            cdktf.DataResource(stack, "plain", input={"floor": "1"})
            continue
        for j in range(int(item["accounts"])):
            account(stack, spec, item, user_name(item.get("prefix", "u"), i, j, len(stacks)), j)
    return app


def account(stack: Any, spec: dict[str, Any], item: dict[str, Any], user: str, index: int) -> None:
    """One account of a stack (``index``: which cluster), with its output when users alternate."""
    import cdktf

    from qingcloud_mysqlplus import MysqlPlusAccount, ephemeral_password

    clusters = spec["clusters"]
    props: dict[str, Any] = {}
    if item.get("password_version", 1) != 1:
        props["password_version"] = int(item["password_version"])
    if item.get("rotation") == "alternating":
        from qingcloud_mysqlplus import Rotation  # issue 22: not on every branch yet

        props["rotation"] = Rotation.ALTERNATING_USERS
    made = MysqlPlusAccount(stack, f"acct-{user}", cluster_id=clusters[index % len(clusters)], zone=spec["zone"],
                            user=user, password=ephemeral_password(stack, f"pw_{user}"), **props)  # fmt: skip
    if item.get("rotation") == "alternating":
        output = cdktf.TerraformOutput(stack, f"active_{user}", value=made.active_user)
        output.override_logical_id(f"active_{user}")


def probe(cases_file: str) -> dict[str, Any]:
    started = time.perf_counter()
    import cdktf  # noqa: F401 - the jsii kernel starts here

    import qingcloud_mysqlplus  # noqa: F401

    result: dict[str, Any] = {"import_s": time.perf_counter() - started, "cases": {}}
    base = json.loads(Path(cases_file).read_text())
    for case in base["cases"]:
        spec = {"clusters": base["clusters"], "zone": base["zone"], "stacks": case["stacks"]}
        with tempfile.TemporaryDirectory(prefix="bench-synth-") as outdir:
            try:
                t0 = time.perf_counter()
                app = build(spec, outdir)
                t1 = time.perf_counter()
                app.synth()
                t2 = time.perf_counter()
            except Exception as err:  # one failed case does not stop the others
                message = (str(err).strip().splitlines() or [""])[0][:300]
                result["cases"][case["name"]] = {"error": f"{type(err).__name__}: {message}"}
                print(json.dumps({"failed": case["name"]}), file=sys.stderr, flush=True)
                continue
        result["cases"][case["name"]] = {"construct_s": t1 - t0, "synth_s": t2 - t1, "total_s": t2 - t0}
        print(json.dumps({"done": case["name"], **result["cases"][case["name"]]}), file=sys.stderr, flush=True)
    return result


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--probe":
        print(json.dumps(probe(sys.argv[2])))
        return
    spec = json.loads(Path(os.environ["BENCH_SPEC"]).read_text())
    build(spec).synth()


if __name__ == "__main__":
    main()
