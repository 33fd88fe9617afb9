"""``qingcloud-mysqlplus-sim``: serve the simulator, or look at and steer a running one."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import options as sim_options
from .control import SimControl, SimControlError
from .faults import KINDS, Fault
from .http import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, make_server, url_of

COMMANDS = ("serve", "accounts", "fault", "options", "proxies")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="qingcloud-mysqlplus-sim",
        description="A local QingCloud IaaS endpoint for MySQL Plus accounts. Without a command: serve.",
    )
    commands = top.add_subparsers(dest="command", metavar="{" + ",".join(COMMANDS) + "}")
    serve = commands.add_parser("serve", help="run the simulator (the default)")
    _serve_arguments(serve)
    for name, text in (("accounts", "list the accounts of each cluster"), ("proxies", "what each proxy node knows")):
        _url_argument(commands.add_parser(name, help=text))
    fault = commands.add_parser("fault", help="inject a fault, clear them, or show them")
    _url_argument(fault)
    fault.add_argument("spec", nargs="?", help=f"KIND[,count=N][,on=NAME][,seconds=S]; KIND: {', '.join(KINDS)}")
    fault.add_argument("--clear", action="store_true", help="remove pending faults and release hung jobs")
    opts = commands.add_parser("options", help="show the options, or change them (NAME=VALUE ...)")
    _url_argument(opts)
    opts.add_argument("changes", nargs="*", metavar="NAME=VALUE")
    return top


def _serve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default)")
    p.add_argument("--cluster", action="append", metavar="ID[@ZONE]",
                   help="a cluster to simulate (repeatable; default cl-demo0001@sh1a)")  # fmt: skip
    p.add_argument("--job-seconds", type=float, default=2.0, help="how long each job runs (default 2)")
    p.add_argument("--mysql-dsn", help="back the first cluster with this MySQL/MariaDB server "
                   "(mysql://user[:pw]@host[:port]/ or mysql://user@/?unix_socket=PATH)")  # fmt: skip
    p.add_argument("--fault", action="append", default=[], metavar="KIND[,count=N][,on=NAME][,seconds=S]",
                   help="inject a fault from the start (repeatable)")  # fmt: skip
    p.add_argument("--ssl-enabled", action="store_true", help="clusters have SSL transport on (allows ssl=YES)")
    p.add_argument("--url-file", type=Path, help="write the URL here once listening")
    sim_options.add_arguments(p)


def _url_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--url", default=os.environ.get("QINGCLOUD_ENDPOINT"), help="the simulator's URL [$QINGCLOUD_ENDPOINT]"
    )


def serve(args: argparse.Namespace) -> int:
    access = os.environ.get("QINGCLOUD_ACCESS_KEY", DEMO_ACCESS_KEY)
    secret = os.environ.get("QINGCLOUD_SECRET_KEY", DEMO_SECRET_KEY)
    try:
        chosen = sim_options.from_arguments(args)
        faults = [Fault.parse(f) for f in args.fault]
        server, sim = make_server(args.host, args.port, args.cluster, args.job_seconds, {access: secret},
                                  args.mysql_dsn, faults, args.ssl_enabled, chosen)  # fmt: skip
    except (ValueError, OSError) as err:
        print(f"qingcloud-mysqlplus-sim: error: {err}", file=sys.stderr)
        return 2
    url = url_of(server)
    clusters = ", ".join(f"{c.cluster_id}@{c.zone}" for c in sim.engine.clusters.values())
    print(f"qingcloud-mysqlplus-sim listening on {url} (clusters {clusters}; access key {access})", flush=True)
    changed = {k: v for k, v in chosen.as_dict().items() if v != getattr(sim_options.SimOptions(), k)}
    if changed:
        print(f"qingcloud-mysqlplus-sim options: {json.dumps(changed)}", flush=True)
    if args.url_file:
        tmp = args.url_file.with_suffix(".tmp")
        tmp.write_text(url)
        tmp.replace(args.url_file)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sim.engine.close()
    return 0


def show_accounts(control: SimControl) -> None:
    for cluster_id, info in control.accounts().items():
        print(f"{cluster_id} ({info['zone']}): {len(info['accounts'])} account(s)")
        for a in info["accounts"]:
            print(
                f"  {a['user']:<26} hosts={';'.join(a['hosts'])} database={a['database']} priv={a['priv']} ssl={a['ssl']}"
            )


def show_proxies(control: SimControl) -> None:
    for cluster_id, nodes in control.proxies().items():
        print(f"{cluster_id}: {len(nodes)} proxy node(s)")
        for node_id, users in nodes.items():
            print(f"  {node_id} knows {', '.join(users) or '(no accounts)'}")


def steer(args: argparse.Namespace) -> int:
    """The commands that talk to a running simulator."""
    control = SimControl(args.url)
    if args.command == "accounts":
        show_accounts(control)
    elif args.command == "proxies":
        show_proxies(control)
    elif args.command == "options":
        changes = sim_options.parse_assignments(args.changes)
        print(json.dumps(control.set_options(**changes) if changes else control.options(), indent=2))
    elif args.clear:
        print(json.dumps({"released_jobs": control.clear_faults()}))
    else:
        print(json.dumps(control.add_fault(Fault.parse(args.spec)) if args.spec else control.faults(), indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if not words or words[0] not in (*COMMANDS, "-h", "--help"):
        words.insert(0, "serve")  # today's flags, without a command
    args = parser().parse_args(words)
    if args.command == "serve":
        return serve(args)
    if not args.url:
        print("qingcloud-mysqlplus-sim: error: pass --url or set QINGCLOUD_ENDPOINT", file=sys.stderr)
        return 2
    try:
        return steer(args)
    except (SimControlError, ValueError, OSError) as err:
        print(f"qingcloud-mysqlplus-sim: error: {err}", file=sys.stderr)
        return 1
