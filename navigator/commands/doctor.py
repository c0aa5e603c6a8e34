"""`navigator doctor`: check this kiosk and say what to fix (exit code 1 on any FAIL)."""

from __future__ import annotations

import json
import sys


def run(args) -> int:
    from navigator.ops.doctor.runner import exit_code, make_context, run_checks, table, to_json

    ctx, config_check = make_context(args.config, quick=args.quick)
    interactive = not args.json and sys.stderr.isatty()

    def progress(name: str) -> None:
        if interactive:
            sys.stderr.write(f"\rchecking {name}…{' ' * 20}")
            sys.stderr.flush()

    checks = run_checks(ctx, config_check, progress)
    if interactive:
        sys.stderr.write("\r" + " " * 60 + "\r")
    if args.json:
        import datetime as dt
        import socket

        header = {"kiosk": ctx.config.kiosk.id, "host": socket.gethostname(),
                  "checked_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "quick": args.quick}
        print(json.dumps(header | to_json(checks), ensure_ascii=False, indent=2))
    else:
        print(table(checks))
    return exit_code(checks)
