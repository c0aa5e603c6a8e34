"""Rebuild the built-in guide avatar: `python assets/avatar/build_guide.py` writes assets/avatar/guide.glb.

The shapes, colours, skeleton and face morphs live in navigator/avatar/generate.py; the output is
deterministic, so a rebuild without changes gives the same bytes. Options:
  --variant vrm0|vrm1   write a VRoid-style test model (non-standard morph names + VRM tables)
  --out PATH            another output file
  --preview             also render assets/avatar/preview.png (rest, viseme a, blink, smile)
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
    parser.add_argument("--variant", choices=["guide", "vrm0", "vrm1", "rotated", "vroid"], default="guide")
    parser.add_argument("--out", type=Path, default=HERE / "guide.glb")
    parser.add_argument("--preview", action="store_true")
    args = parser.parse_args()
    path = write_guide(args.out, args.variant)
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
    if args.preview:
        sheet = render_preview(path if args.variant != "guide" or args.out != HERE / "guide.glb" else None)
        sheet.save(HERE / "preview.png", optimize=True)
        print(f"wrote {HERE / 'preview.png'}")
    return 0


def render_preview(model=None):
    """A 2x2 contact sheet of the guide: at rest, saying "a", blinking, smiling (Pillow image)."""
    import numpy as np
    from PIL import Image, ImageDraw

    from navigator.avatar.stage import AvatarStage

    tiles = []
    with AvatarStage(size=(1280, 720)) as stage:
        guide = stage.add_avatar(model)
        for label, pose in (("rest", {}), ("viseme a", {"viseme": "a"}), ("blink", {"blink": 1.0}),
                            ("smile", {"expression": "happy"})):
            guide.set_viseme(pose.get("viseme"))
            guide.set_blink(pose.get("blink"))
            guide.set_expression(pose.get("expression", "neutral"), blend_s=0.0)
            frame = stage.render(0.5)[20:470, 340:940]
            tile = Image.fromarray(np.ascontiguousarray(frame)).resize((400, 300), Image.LANCZOS)
            ImageDraw.Draw(tile).text((10, 8), label, fill=(40, 50, 70))
            tiles.append(tile)
    sheet = Image.new("RGB", (800, 600))
    for i, tile in enumerate(tiles):
        sheet.paste(tile, ((i % 2) * 400, (i // 2) * 300))
    return sheet


if __name__ == "__main__":
    raise SystemExit(main())
