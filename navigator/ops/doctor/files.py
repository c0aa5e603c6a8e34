"""The technician's config and the service catalog."""

from __future__ import annotations

from navigator.ops.doctor.base import FAIL, OK, Check, Context


def _first_problem(lines: list[str]) -> str:
    return lines[0] + (f" (+{len(lines) - 1} more)" if len(lines) > 1 else "")


def config_file(ctx: Context, problem: str | None) -> Check:
    """FAIL with the first `problem` (the broken file's; the checks then run on the defaults), else OK."""
    if problem:
        lines = problem.splitlines()
        return Check("config", FAIL, _first_problem(lines),
                     f"edit {ctx.config_file} (see its comments), then `navigator config check`; "
                     "until then the checks below use the defaults", {"problems": lines})
    return Check("config", OK, f"{ctx.config_file} (kiosk {ctx.config.kiosk.id})")


def catalog(ctx: Context) -> Check:
    from navigator.catalog import load_catalog
    from navigator.errors import UserError

    try:
        loaded = load_catalog(ctx.config.catalog_dir)
    except UserError as exc:
        lines = str(exc).splitlines()
        return Check("catalog", FAIL, _first_problem(lines),
                     "fix the file and line named, then `navigator catalog check`", {"problems": lines})
    return Check("catalog", OK, f"{len(loaded.services)} services, {len(loaded.offices)} offices "
                                f"({ctx.config.catalog_dir})")
