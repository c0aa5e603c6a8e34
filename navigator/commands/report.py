"""`navigator report`: anonymous usage summary for staff, and a PNG chart."""

from __future__ import annotations

import json
import sqlite3

from navigator.config import load_config
from navigator.errors import UserError
from navigator.ops.usage import database


def _service_names(config) -> dict[str, str]:
    try:
        from navigator.catalog import load_catalog

        catalog = load_catalog(config.catalog_dir)
    except UserError:
        return {}
    return {sid: service.name.ja for sid, service in catalog.services.items()}


def run(args) -> int:
    from navigator.ops.report import save_chart, summarize, text_report

    config = load_config(args.config)
    if args.days < 1:
        raise UserError("report: --days must be 1 or more")
    db = database(config)
    try:
        summary = summarize(db, args.days, _service_names(config))
    except sqlite3.Error as exc:   # a damaged or locked file: say which, not "internal error"
        raise UserError(f"{db}: cannot read the usage counts ({exc}); if the file is damaged, move it away "
                        "and the kiosk starts counting afresh") from None
    if args.chart:
        try:
            save_chart(summary, args.chart)
        except (OSError, ValueError) as exc:   # ValueError: a file type matplotlib cannot write
            raise UserError(f"{args.chart}: cannot save the chart: {exc}") from None
    if args.json:
        print(json.dumps(summary.to_json() | {"database": str(db), "chart": str(args.chart) if args.chart else None},
                         ensure_ascii=False, indent=2))
    else:
        print(text_report(summary))
        if not db.is_file():
            print(f"  (no usage database at {db})")
        if args.chart:
            print(f"chart: {args.chart}")
    return 0
