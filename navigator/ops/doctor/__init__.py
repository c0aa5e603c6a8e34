"""`navigator doctor`: small checks, each returning Check(name, status, detail, fix), and a runner."""

from navigator.ops.doctor.base import FAIL, OK, WARN, Check, Context

__all__ = ["Check", "Context", "OK", "WARN", "FAIL"]
