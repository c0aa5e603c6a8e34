"""`navigator config check` and `navigator catalog check`."""

from __future__ import annotations

import tomllib

from navigator.catalog import load_catalog
from navigator.config import load_config
from navigator.errors import CatalogError, UserError


def config(args) -> int:
    path = args.path or args.config
    loaded = load_config(path)
    print(f"{loaded.source}: OK")
    return 0


def catalog(args) -> int:
    root = args.path or load_config(args.config).catalog_dir
    loaded = load_catalog(root)
    if args.require:
        try:
            required = tomllib.loads(args.require.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise UserError(f"{args.require}: cannot read: {exc}") from None
        missing = [sid for sid in required if sid not in loaded.services]
        if missing:
            raise CatalogError([f"{args.require}: service {sid!r} is missing from the catalog" for sid in missing])
    for warning in loaded.warnings:
        print(f"warning: {warning}")
    print(f"{loaded.root}: OK ({len(loaded.services)} services, {len(loaded.offices)} offices, "
          f"{len(loaded.categories)} categories)")
    return 0
