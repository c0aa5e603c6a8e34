"""Rebuild the built-in guide avatar: `python assets/avatar/build_guide.py` writes assets/avatar/guide.glb.

The shapes, colours, skeleton and face morphs live in navigator/avatar/generate.py; the output is
deterministic, so a rebuild without changes gives the same bytes. Options:
  --variant vrm0|vrm1   write a VRoid-style test model (non-standard morph names + VRM tables)
  --out PATH            another output file
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from navigator.avatar.generate import write_guide  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=["guide", "vrm0", "vrm1"], default="guide")
    parser.add_argument("--out", type=Path, default=HERE / "guide.glb")
    args = parser.parse_args()
    path = write_guide(args.out, args.variant)
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
