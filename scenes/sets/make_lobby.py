"""Make scenes/sets/lobby.glb: a simple city-hall lobby set (made here from boxes; licence CC0).

A tiled floor, walls with tall windows and a green band, a reception counter with a sign panel,
pillars, benches and potted plants, all in vertex colours (no textures, so the software renderer
draws it fast). Giving the camera real things at different depths makes dollies and orbits read
as camera moves. Coordinates: metres, x right, y away from the default camera, z up (Panda3D);
the file is written y-up as glTF requires.
Run: .venv/bin/python scenes/sets/make_lobby.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))   # the project root, for navigator.avatar.generate

FLOOR_A, FLOOR_B = (0.86, 0.82, 0.76), (0.78, 0.74, 0.68)
WALL, WINDOW, FRAME = (0.93, 0.91, 0.87), (0.62, 0.80, 0.95), (0.80, 0.78, 0.74)
GREEN, WOOD, DARK = (0.20, 0.55, 0.42), (0.62, 0.45, 0.30), (0.25, 0.27, 0.30)
LEAF, POT, SIGN = (0.25, 0.55, 0.28), (0.55, 0.38, 0.28), (0.12, 0.45, 0.38)


class Mesh:
    """Triangles with a normal and a colour per vertex."""

    def __init__(self):
        self.positions: list[tuple] = []
        self.normals: list[tuple] = []
        self.colours: list[tuple] = []
        self.indices: list[int] = []

    def quad(self, corners, normal, colour) -> None:
        base = len(self.positions)
        for corner in corners:
            self.positions.append(corner)
            self.normals.append(normal)
            self.colours.append((*colour, 1.0))
        self.indices += [base, base + 1, base + 2, base, base + 2, base + 3]

    def box(self, centre, size, colour, top=None) -> None:
        """An axis-aligned box (Panda3D axes); `top` colours its top face differently."""
        cx, cy, cz = centre
        hx, hy, hz = (s / 2 for s in size)
        x0, x1, y0, y1, z0, z1 = cx - hx, cx + hx, cy - hy, cy + hy, cz - hz, cz + hz
        self.quad([(x0, y0, z1), (x1, y0, z1), (x1, y1, z1), (x0, y1, z1)], (0, 0, 1), top or colour)
        self.quad([(x0, y0, z0), (x1, y0, z0), (x1, y0, z1), (x0, y0, z1)], (0, -1, 0), colour)
        self.quad([(x1, y1, z0), (x0, y1, z0), (x0, y1, z1), (x1, y1, z1)], (0, 1, 0), colour)
        self.quad([(x0, y1, z0), (x0, y0, z0), (x0, y0, z1), (x0, y1, z1)], (-1, 0, 0), colour)
        self.quad([(x1, y0, z0), (x1, y1, z0), (x1, y1, z1), (x1, y0, z1)], (1, 0, 0), colour)


def lobby() -> Mesh:
    mesh = Mesh()
    tile = 1.0
    for i in range(-8, 8):                 # floor tiles, x -8..8, y -8..8
        for j in range(-8, 8):
            colour = FLOOR_A if (i + j) % 2 == 0 else FLOOR_B
            x0, y0 = i * tile, j * tile
            mesh.quad([(x0, y0, 0), (x0 + tile, y0, 0), (x0 + tile, y0 + tile, 0), (x0, y0 + tile, 0)], (0, 0, 1), colour)
    back, side, height = 5.0, 7.0, 5.0
    mesh.quad([(-side, back, 0), (side, back, 0), (side, back, height), (-side, back, height)], (0, -1, 0), WALL)
    mesh.quad([(-side, -8, 0), (-side, back, 0), (-side, back, height), (-side, -8, height)], (1, 0, 0), WALL)
    mesh.quad([(side, back, 0), (side, -8, 0), (side, -8, height), (side, back, height)], (-1, 0, 0), WALL)
    mesh.box((0, back - 0.02, 1.05), (2 * side, 0.04, 0.12), GREEN)            # green band on the wall
    for x in (-5.0, -2.6, 2.6, 5.0):                                            # tall windows
        mesh.box((x, back - 0.03, 2.9), (1.9, 0.04, 2.6), FRAME)
        for dx in (-0.45, 0.45):
            mesh.box((x + dx, back - 0.05, 2.9), (0.8, 0.04, 2.4), WINDOW)
    for x in (-side + 0.02, side - 0.02):                                       # side windows
        for y in (-3.0, 1.0):
            normal_sign = 1 if x < 0 else -1
            mesh.box((x + normal_sign * 0.02, y, 2.9), (0.04, 2.0, 2.4), WINDOW)
    mesh.box((-3.3, 3.2, 0.5), (3.0, 0.7, 1.0), WOOD, top=(0.92, 0.92, 0.90))   # reception counter
    mesh.box((-3.3, 3.6, 1.75), (1.6, 0.06, 0.5), SIGN)                        # its sign panel
    mesh.box((-3.3, 3.57, 1.75), (1.3, 0.02, 0.2), (0.95, 0.95, 0.95))
    for x, y in ((-4.2, -1.0), (4.2, -1.0), (-4.2, 2.5), (4.2, 2.5)):          # pillars
        mesh.box((x, y, 2.5), (0.55, 0.55, 5.0), (0.88, 0.86, 0.82))
    for x in (2.2, 3.6):                                                        # benches
        mesh.box((x, 3.3, 0.42), (1.2, 0.45, 0.08), DARK)
        for dx in (-0.5, 0.5):
            mesh.box((x + dx, 3.3, 0.2), (0.08, 0.4, 0.4), DARK)
    for x, y in ((-1.6, 3.9), (1.4, 4.2), (5.6, 3.8), (-5.8, 0.5)):             # potted plants
        mesh.box((x, y, 0.25), (0.45, 0.45, 0.5), POT)
        mesh.box((x, y, 0.85), (0.7, 0.7, 0.7), LEAF)
        mesh.box((x, y, 1.35), (0.45, 0.45, 0.45), LEAF)
    return mesh


def write_glb(mesh: Mesh, path: Path) -> None:
    """Write `mesh` as one vertex-coloured primitive, packed by the avatar generator's GLB writer."""
    from navigator.avatar.generate import ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER, FLOAT, UINT, _Writer, glb_bytes

    # Panda3D z-up (x, y, z) -> glTF y-up (x, z, -y)
    pos = np.array([(x, z, -y) for x, y, z in mesh.positions], np.float32)
    nor = np.array([(x, z, -y) for x, y, z in mesh.normals], np.float32)
    w = _Writer()
    attributes = {"POSITION": w.add(pos, FLOAT, "VEC3", ARRAY_BUFFER, minmax=True),
                  "NORMAL": w.add(nor, FLOAT, "VEC3", ARRAY_BUFFER),
                  "COLOR_0": w.add(np.array(mesh.colours, np.float32), FLOAT, "VEC4", ARRAY_BUFFER)}
    indices = w.add(np.array(mesh.indices, np.uint32), UINT, "SCALAR", ELEMENT_ARRAY_BUFFER)
    document = {
        "asset": {"version": "2.0", "generator": "scenes/sets/make_lobby.py"},
        "scene": 0, "scenes": [{"nodes": [0]}], "nodes": [{"mesh": 0, "name": "lobby"}],
        "meshes": [{"name": "lobby", "primitives": [{"attributes": attributes, "indices": indices, "material": 0}]}],
        "materials": [{"name": "painted", "pbrMetallicRoughness": {"baseColorFactor": [1, 1, 1, 1],
                                                                   "metallicFactor": 0.0, "roughnessFactor": 1.0}}],
        "buffers": [{"byteLength": len(w.blob)}], "bufferViews": w.views, "accessors": w.accessors,
    }
    Path(path).write_bytes(glb_bytes(document, bytes(w.blob)))


if __name__ == "__main__":
    target = Path(__file__).with_name("lobby.glb")
    mesh = lobby()
    write_glb(mesh, target)
    print(f"{target}: {len(mesh.indices) // 3} triangles, {target.stat().st_size // 1024} KiB")
