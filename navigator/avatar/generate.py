"""Build the project's own guide avatar as a GLB: vertex-coloured, rigged, with face morph targets.

Deterministic (numpy + json + struct only, no randomness), so `python assets/avatar/build_guide.py`
rebuilds the same bytes. The face is made of "decals": 2-D shapes (eyes, mouth, brows...) laid onto
the head ellipsoid; each morph target is the same decals built with other shape parameters, so
visemes, blinks and expressions move exactly the vertices that matter.

glTF space: metres, Y up, the guide faces +Z, its left hand is at +X.
Test variants of the same body for the loader: "vrm0" / "vrm1" (VRoid-style morph and bone names plus
the VRM blend-shape/expression tables), "vroid" (VRM 0.x with one skin per mesh, as UniVRM writes),
"rotated" (Mixamo bone names with rotated rest poses, VRChat-style morph names).
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

# ── colours (linear-ish RGB, 0..1) ────────────────────────────────────────────
SKIN = (1.0, 0.88, 0.80)
SKIN_SHADE = (0.97, 0.78, 0.68)
LID = SKIN
HAIR = (0.30, 0.19, 0.14)
HAIR_LIGHT = (0.42, 0.28, 0.20)
EYE_WHITE = (0.99, 0.99, 1.0)
IRIS = (0.18, 0.42, 0.55)
IRIS_DARK = (0.10, 0.22, 0.33)
PUPIL = (0.05, 0.07, 0.12)
HIGHLIGHT = (1.0, 1.0, 1.0)
LASH = (0.16, 0.10, 0.09)
BROW = (0.30, 0.19, 0.14)
BLUSH = (1.0, 0.66, 0.66)
MOUTH = (0.55, 0.16, 0.20)
TONGUE = (0.95, 0.50, 0.55)
TEETH = (1.0, 1.0, 0.98)
JACKET = (0.13, 0.20, 0.40)
JACKET_DARK = (0.10, 0.15, 0.30)
LAPEL = (0.19, 0.28, 0.50)
NOSE = (0.93, 0.68, 0.58)
SHIRT = (0.97, 0.97, 0.98)
SCARF = (0.10, 0.62, 0.52)
LANYARD = (0.10, 0.62, 0.52)
BADGE = (0.99, 0.99, 0.97)
BADGE_BAND = (0.10, 0.62, 0.52)
BUTTON = (0.86, 0.70, 0.30)
TROUSERS = (0.20, 0.22, 0.28)
SHOES = (0.25, 0.16, 0.12)

# ── skeleton: (name, parent, world position of the joint) ─────────────────────
BONES: list[tuple[str, str | None, tuple[float, float, float]]] = [
    ("hips", None, (0.0, 0.92, 0.0)),
    ("spine", "hips", (0.0, 1.02, 0.0)),
    ("neck", "spine", (0.0, 1.36, 0.0)),
    ("head", "neck", (0.0, 1.43, 0.0)),
    ("leftUpperArm", "spine", (0.175, 1.31, 0.0)),
    ("leftLowerArm", "leftUpperArm", (0.205, 1.06, 0.0)),
    ("leftHand", "leftLowerArm", (0.225, 0.84, 0.02)),
    ("rightUpperArm", "spine", (-0.175, 1.31, 0.0)),
    ("rightLowerArm", "rightUpperArm", (-0.205, 1.06, 0.0)),
    ("rightHand", "rightLowerArm", (-0.225, 0.84, 0.02)),
]
BONE_INDEX = {name: i for i, (name, _, _) in enumerate(BONES)}

# VRoid-style names for the "vrm" test variants.
VRM_BONE_NAMES = {
    "hips": "J_Bip_C_Hips", "spine": "J_Bip_C_Spine", "neck": "J_Bip_C_Neck", "head": "J_Bip_C_Head",
    "leftUpperArm": "J_Bip_L_UpperArm", "leftLowerArm": "J_Bip_L_LowerArm", "leftHand": "J_Bip_L_Hand",
    "rightUpperArm": "J_Bip_R_UpperArm", "rightLowerArm": "J_Bip_R_LowerArm", "rightHand": "J_Bip_R_Hand",
}

HEAD_CENTER = np.array([0.0, 1.56, 0.0])
HEAD_RADII = np.array([0.150, 0.160, 0.140])

# Morph targets of the built-in guide, in this order (VRM 1.0 expression preset names).
MORPHS = ["aa", "ih", "ou", "ee", "oh", "blink", "blinkLeft", "blinkRight", "happy", "sad", "surprised"]
VRM0_MORPH_NAMES = {  # VRoid Studio's names for the same shapes
    "aa": "Fcl_MTH_A", "ih": "Fcl_MTH_I", "ou": "Fcl_MTH_U", "ee": "Fcl_MTH_E", "oh": "Fcl_MTH_O",
    "blink": "Fcl_EYE_Close", "blinkLeft": "Fcl_EYE_Close_L", "blinkRight": "Fcl_EYE_Close_R",
    "happy": "Fcl_ALL_Joy", "sad": "Fcl_ALL_Sorrow", "surprised": "Fcl_ALL_Surprised",
}
# Mixamo-style bone names and VRChat/ARKit-style morph names, for the "rotated" test variant.
MIXAMO_BONE_NAMES = {
    "hips": "mixamorig:Hips", "spine": "mixamorig:Spine", "neck": "mixamorig:Neck", "head": "mixamorig:Head",
    "leftUpperArm": "mixamorig:LeftArm", "leftLowerArm": "mixamorig:LeftForeArm", "leftHand": "mixamorig:LeftHand",
    "rightUpperArm": "mixamorig:RightArm", "rightLowerArm": "mixamorig:RightForeArm",
    "rightHand": "mixamorig:RightHand",
}
OTHER_MORPH_NAMES = {
    "aa": "vrc.v_aa", "ih": "vrc.v_ih", "ou": "vrc.v_ou", "ee": "vrc.v_e", "oh": "vrc.v_oh",
    "blink": "Blink", "blinkLeft": "eyeBlinkLeft", "blinkRight": "eyeBlinkRight",
    "happy": "Smile", "sad": "Sorrow", "surprised": "Surprised",
}
VRM0_PRESETS = {"aa": "a", "ih": "i", "ou": "u", "ee": "e", "oh": "o", "blink": "blink",
                "blinkLeft": "blink_l", "blinkRight": "blink_r", "happy": "joy", "sad": "sorrow",
                "surprised": "surprised"}


# ── face parameters: every morph target is the rest face with some of these changed ──
@dataclass(frozen=True)
class Face:
    mouth_half_width: float = 0.026
    mouth_top: float = 0.0012       # opening above the mouth line
    mouth_bottom: float = 0.0022    # opening below it
    mouth_lift: float = 0.0075      # how much the corners rise (smile > 0, frown < 0)
    blink: tuple[float, float] = (0.0, 0.0)  # (left, right), 0 open .. 1 closed
    eye_scale: float = 1.0
    brow_raise: float = 0.0
    brow_tilt: float = 0.0          # inner ends up (sad) > 0
    blush: float = 1.0
    eye_smile: float = 0.0          # lower lids rise in a smile (0..1)


REST = Face()
TARGETS: dict[str, Face] = {
    "aa": replace(REST, mouth_half_width=0.030, mouth_top=0.012, mouth_bottom=0.036, mouth_lift=0.004),
    "ih": replace(REST, mouth_half_width=0.037, mouth_top=0.005, mouth_bottom=0.011, mouth_lift=0.008),
    "ou": replace(REST, mouth_half_width=0.014, mouth_top=0.009, mouth_bottom=0.016, mouth_lift=0.0),
    "ee": replace(REST, mouth_half_width=0.032, mouth_top=0.008, mouth_bottom=0.022, mouth_lift=0.005),
    "oh": replace(REST, mouth_half_width=0.020, mouth_top=0.016, mouth_bottom=0.030, mouth_lift=0.0),
    "blink": replace(REST, blink=(1.0, 1.0)),
    "blinkLeft": replace(REST, blink=(1.0, 0.0)),
    "blinkRight": replace(REST, blink=(0.0, 1.0)),
    "happy": replace(REST, mouth_half_width=0.032, mouth_top=0.003, mouth_bottom=0.015, mouth_lift=0.013,
                     brow_raise=0.006, blush=1.6, eye_smile=1.0),
    "sad": replace(REST, mouth_half_width=0.022, mouth_lift=-0.008, brow_tilt=0.012, blink=(0.3, 0.3),
                   blush=0.6),
    "surprised": replace(REST, mouth_half_width=0.019, mouth_top=0.008, mouth_bottom=0.018, mouth_lift=0.0,
                         eye_scale=1.14, brow_raise=0.018),
}


# ── mesh building ─────────────────────────────────────────────────────────────
@dataclass
class Part:
    positions: list[np.ndarray] = field(default_factory=list)
    normals: list[np.ndarray] = field(default_factory=list)
    colors: list[np.ndarray] = field(default_factory=list)
    joints: list[np.ndarray] = field(default_factory=list)
    indices: list[np.ndarray] = field(default_factory=list)
    count: int = 0

    def add(self, pos, nrm, color, joint: str, idx) -> None:
        pos = np.asarray(pos, np.float32)
        n = len(pos)
        col = np.asarray(color, np.float32)
        self.positions.append(pos)
        self.normals.append(np.asarray(nrm, np.float32))
        self.colors.append(np.broadcast_to(col, (n, 3)) if col.ndim == 1 else col)
        self.joints.append(np.full(n, BONE_INDEX[joint], np.uint8))
        self.indices.append(np.asarray(idx, np.uint32) + self.count)
        self.count += n

    def arrays(self):
        return (np.concatenate(self.positions), np.concatenate(self.normals), np.concatenate(self.colors),
                np.concatenate(self.joints), np.concatenate(self.indices))


def _grid_indices(rows: int, cols: int, wrap: bool = False) -> np.ndarray:
    """Two triangles per cell of a rows x cols vertex grid (counter-clockwise seen from outside)."""
    tris = []
    cmax = cols if wrap else cols - 1
    for r in range(rows - 1):
        for c in range(cmax):
            c2 = (c + 1) % cols
            a, b, d, e = r * cols + c, r * cols + c2, (r + 1) * cols + c, (r + 1) * cols + c2
            tris += [a, d, b, b, d, e]
    return np.array(tris, np.uint32)


def _normals(pos: np.ndarray, idx: np.ndarray) -> np.ndarray:
    tri = idx.reshape(-1, 3)
    fn = np.cross(pos[tri[:, 1]] - pos[tri[:, 0]], pos[tri[:, 2]] - pos[tri[:, 0]])
    n = np.zeros_like(pos)
    for k in range(3):
        np.add.at(n, tri[:, k], fn)
    length = np.linalg.norm(n, axis=1, keepdims=True)
    return n / np.maximum(length, 1e-9)


def ellipsoid(part: Part, center, radii, color, joint: str, nu: int = 20, nv: int = 12, keep=None) -> None:
    """A UV ellipsoid; `keep(unit_xyz)` may drop triangles (e.g. the face opening of the hair)."""
    v = np.linspace(0, np.pi, nv + 1)  # from +Y (top) down
    u = np.linspace(0, 2 * np.pi, nu, endpoint=False)
    vv, uu = np.meshgrid(v, u, indexing="ij")
    unit = np.stack([np.sin(vv) * np.sin(uu), np.cos(vv), np.sin(vv) * np.cos(uu)], -1).reshape(-1, 3)
    pos = unit * np.asarray(radii) + np.asarray(center)
    idx = _grid_indices(nv + 1, nu, wrap=True)
    nrm = unit / np.asarray(radii) ** 2
    nrm /= np.linalg.norm(nrm, axis=1, keepdims=True) + 1e-12
    if keep is not None:
        tri = idx.reshape(-1, 3)
        ok = np.array([keep(unit[t].mean(0)) for t in tri])
        idx = tri[ok].reshape(-1)
    part.add(pos, nrm, color, joint, idx)


def lathe(part: Part, profile, color, joint: str, nu: int = 24, center=(0.0, 0.0)) -> None:
    """A surface of revolution: profile = [(y, radius_x, radius_z), ...] from top to bottom."""
    u = np.linspace(0, 2 * np.pi, nu, endpoint=False)
    u = u + np.pi  # the seam at the back
    pos = np.array([[center[0] + rx * np.sin(a), y, center[1] + rz * np.cos(a)]
                    for (y, rx, rz) in profile for a in u])
    idx = _grid_indices(len(profile), nu, wrap=True)
    part.add(pos, _normals(pos, idx), color, joint, idx)


def capsule(part: Part, p0, p1, r0: float, r1: float, color, joint: str, nu: int = 14, rings: int = 6) -> None:
    """A tapered tube from p0 to p1 with rounded ends (sleeves): smooth where ellipsoids would bulge."""
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    axis = p1 - p0
    length = np.linalg.norm(axis)
    axis /= length
    side = np.cross(axis, [0.0, 0.0, 1.0])
    side /= np.linalg.norm(side)
    front = np.cross(side, axis)
    profile = []  # (distance along the axis, radius)
    for a in np.linspace(np.pi / 2, 0, 4, endpoint=False):
        profile.append((-r0 * np.sin(a) * 0.6, r0 * np.cos(a)))
    for t in np.linspace(0, 1, rings):
        profile.append((t * length, r0 + (r1 - r0) * t))
    for a in np.linspace(0, np.pi / 2, 4)[1:]:
        profile.append((length + r1 * np.sin(a) * 0.6, r1 * np.cos(a)))
    u = np.linspace(0, 2 * np.pi, nu, endpoint=False)
    pos = np.array([p0 + axis * d + r * (np.cos(a) * front + np.sin(a) * side) for d, r in profile for a in u])
    idx = _grid_indices(len(profile), nu, wrap=True)
    nrm = _normals(pos, idx)
    if np.mean(np.sum((pos - (p0 + p1) / 2) * nrm, axis=1)) < 0:  # keep the outside facing out
        idx = idx.reshape(-1, 3)[:, ::-1].reshape(-1)
        nrm = -nrm
    part.add(pos, nrm, color, joint, idx)


def _head_surface(xy: np.ndarray, lift: float) -> tuple[np.ndarray, np.ndarray]:
    """Points on the front of the head ellipsoid (head-local x, y), pushed out by `lift` metres."""
    rx, ry, rz = HEAD_RADII
    x, y = xy[:, 0], xy[:, 1]
    inside = np.clip(1.0 - (x / rx) ** 2 - (y / ry) ** 2, 0.02, 1.0)
    z = rz * np.sqrt(inside)
    nrm = np.stack([x / rx**2, y / ry**2, z / rz**2], -1)
    nrm /= np.linalg.norm(nrm, axis=1, keepdims=True)
    pos = np.stack([x, y, z], -1) + nrm * lift + HEAD_CENTER
    return pos, nrm


def face_decal(part: Part, outline_top: np.ndarray, outline_bottom: np.ndarray, color, lift: float,
               rows: int = 5) -> None:
    """A strip between two head-local 2-D polylines of equal length, laid onto the face.

    Several rows, so that the triangles follow the head's curve instead of cutting under it."""
    cols = len(outline_top)
    k = np.linspace(0, 1, rows)[:, None, None]
    xy = (outline_top[None] * (1 - k) + outline_bottom[None] * k).reshape(-1, 2)
    pos, nrm = _head_surface(xy, lift)
    part.add(pos, nrm, color, "head", _grid_indices(rows, cols))


def ellipse_decal(part: Part, center, half, color, lift: float, n: int = 14) -> None:
    u = np.linspace(-1, 1, n)
    s = np.sqrt(np.clip(1 - u**2, 0, 1))
    cx, cy = center
    top = np.stack([cx + half[0] * u, cy + half[1] * s], -1)
    bottom = np.stack([cx + half[0] * u, cy - half[1] * s], -1)
    face_decal(part, top, bottom, color, lift)


# Layers (metres above the skin): decals never fight in the depth buffer.
L_BLUSH, L_EYE, L_IRIS, L_PUPIL, L_SHINE, L_LID, L_LASH, L_BROW = 0.001, 0.002, 0.0035, 0.005, 0.0065, 0.010, 0.0125, 0.004
L_MOUTH, L_MOUTH_IN = 0.002, 0.0045


def build_face(part: Part, face: Face) -> None:
    """Eyes, brows, blush and mouth: same topology for every Face, so differences are morph deltas."""
    for side, blink in ((+1, face.blink[0]), (-1, face.blink[1])):  # +1 = the guide's left (+X)
        cx, cy = 0.056 * side, -0.008
        hw, hh = 0.029 * face.eye_scale, 0.037 * face.eye_scale
        ellipse_decal(part, (cx, cy), (hw, hh), EYE_WHITE, L_EYE)
        ellipse_decal(part, (cx, cy - 0.004), (0.023 * face.eye_scale, 0.030 * face.eye_scale), IRIS_DARK, L_IRIS - 0.0008)
        ellipse_decal(part, (cx, cy - 0.008), (0.019 * face.eye_scale, 0.022 * face.eye_scale), IRIS, L_IRIS)
        ellipse_decal(part, (cx, cy - 0.006), (0.010 * face.eye_scale, 0.013 * face.eye_scale), PUPIL, L_PUPIL)
        ellipse_decal(part, (cx + 0.008 * side, cy + 0.012), (0.0075, 0.0085), HIGHLIGHT, L_SHINE, n=8)
        ellipse_decal(part, (cx - 0.008 * side, cy - 0.016), (0.0038, 0.0038), HIGHLIGHT, L_SHINE, n=6)
        # Upper lid: a skin strip from above the eye down to the lash line (zero height when open).
        u = np.linspace(-1.08, 1.08, 14)
        s = np.sqrt(np.clip(1 - u**2, 0, 1))
        top_y = cy + hh * s + 0.006
        open_y = cy + hh * s
        closed_y = cy - hh * s - 0.003
        lid_y = open_y + (closed_y - open_y) * blink
        xs = cx + hw * u
        face_decal(part, np.stack([xs, top_y + 0.002], -1), np.stack([xs, lid_y], -1), LID, L_LID, rows=7)
        # Lower lid: hidden on the lower rim, rises as an arch when smiling.
        bottom_y = cy - hh * s - 0.006
        rim_y = cy - hh * s
        smile_y = rim_y + face.eye_smile * hh * 0.7 * s ** 0.7
        face_decal(part, np.stack([xs, smile_y], -1), np.stack([xs, bottom_y], -1), LID, L_LID, rows=5)
        # Lash line: on the upper rim when open, a gentle downward curve when closed.
        lash_open = cy + hh * s * 0.98
        lash_closed = cy - 0.35 * hh - 0.25 * hh * s
        lash_y = lash_open + (lash_closed - lash_open) * blink
        thick = 0.0045 + 0.0025 * s
        xs_l = cx + hw * 1.06 * u
        flick = np.where(u * side > 0.9, 0.004 * (u * side - 0.9) / 0.18, 0.0)  # outer-corner flick
        face_decal(part, np.stack([xs_l, lash_y + thick * 0.6 + flick], -1),
                   np.stack([xs_l, lash_y - thick * 0.4], -1), LASH, L_LASH)
        # Brow: a soft arc, tilted for sad, raised for surprise.
        bu = np.linspace(-1, 1, 10)
        bx = cx + 0.026 * bu
        inner = -bu * side  # +1 at the inner end
        by = cy + 0.060 + face.brow_raise + 0.006 * (1 - bu**2) + face.brow_tilt * inner * 0.5
        bt = 0.0035 + 0.0015 * (1 - bu**2)
        face_decal(part, np.stack([bx, by + bt], -1), np.stack([bx, by - bt], -1), BROW, L_BROW)
        ellipse_decal(part, (0.092 * side, -0.058), (0.021 * face.blush, 0.011 * face.blush), BLUSH, L_BLUSH)
    ellipse_decal(part, (0.0, -0.047), (0.0055, 0.0035), NOSE, L_BLUSH, n=8)
    # Mouth: inner colour between the upper and lower lip lines, tongue and upper teeth inside.
    u = np.linspace(-1, 1, 16)
    s = np.sqrt(np.clip(1 - u**2, 0, 1))
    my = -0.090
    xs = face.mouth_half_width * u
    line = my + face.mouth_lift * u**2
    upper = line + face.mouth_top * s
    lower = line - face.mouth_bottom * s
    face_decal(part, np.stack([xs * 1.04, upper + 0.0012], -1), np.stack([xs * 1.04, lower - 0.0012], -1),
               MOUTH, L_MOUTH)
    teeth_low = upper - 0.30 * face.mouth_top * s
    face_decal(part, np.stack([xs * 0.8, upper - 0.0004 * s], -1), np.stack([xs * 0.8, teeth_low], -1), TEETH,
               L_MOUTH_IN)
    tongue_top = lower + 0.45 * face.mouth_bottom * s
    face_decal(part, np.stack([xs * 0.65, tongue_top], -1), np.stack([xs * 0.65, lower + 0.0004 * s], -1),
               TONGUE, L_MOUTH_IN)


def build_body(part: Part, hair: Part) -> None:
    """Everything but the face decals; hair goes to its own (two-sided) primitive."""
    head = HEAD_CENTER
    rx, ry, rz = HEAD_RADII
    ellipsoid(part, head, HEAD_RADII, SKIN, "head", nu=48, nv=32)  # fine enough that lids match the skin
    for side in (1, -1):  # ears
        ellipsoid(part, head + [side * rx * 0.97, -0.015, -0.005], (0.02, 0.032, 0.022), SKIN_SHADE, "head", 10, 6)
    # Hair: a cap over the head with the face left open, bangs and side locks.
    def cap_keep(d):  # a fringe with soft points over the forehead, open face below it
        if d[2] < -0.1 or abs(d[0]) > 0.84:
            return True
        angle = np.arctan2(d[0], d[2])
        fringe = 0.30 + 0.13 * abs(np.sin(4.2 * angle + 0.4)) - 0.12 * abs(d[0])
        return d[1] > fringe
    ellipsoid(hair, head + [0, 0.012, -0.004], HEAD_RADII * [1.08, 1.07, 1.10], HAIR, "head", 44, 30, keep=cap_keep)
    for side in (1, -1):
        ellipsoid(hair, head + [side * 0.128, -0.06, 0.05], (0.026, 0.085, 0.035), HAIR, "head", 12, 10)  # side lock
        ellipsoid(hair, head + [side * 0.134, -0.095, 0.05], (0.022, 0.035, 0.028), HAIR_LIGHT, "head", 10, 6)

    def bob_keep(d):  # a chin-length bob framing the face: sides and back only, open below
        return (d[2] < 0.25 or abs(d[0]) > 0.82) and d[1] > -0.55
    ellipsoid(hair, head + [0, -0.035, -0.012], HEAD_RADII * [1.12, 1.0, 1.12], HAIR, "head", 36, 20, keep=bob_keep)
    ellipsoid(hair, head + [0.03, 0.175, 0.02], (0.012, 0.03, 0.012), HAIR, "head", 8, 6)   # a small tuft
    # Neck and collar.
    lathe(part, [(1.45, 0.045, 0.045), (1.37, 0.05, 0.05), (1.33, 0.055, 0.055)], SKIN_SHADE, "neck", 16)
    # Torso: navy jacket (upper part follows the spine, the waist the hips).
    lathe(part, [(1.385, 0.03, 0.03), (1.37, 0.10, 0.075), (1.34, 0.16, 0.10), (1.28, 0.175, 0.11),
                 (1.18, 0.165, 0.11), (1.08, 0.15, 0.105), (1.00, 0.15, 0.10)], JACKET, "spine", 28)
    lathe(part, [(1.00, 0.15, 0.10), (0.92, 0.155, 0.105), (0.84, 0.16, 0.11), (0.82, 0.12, 0.08)],
          JACKET_DARK, "hips", 28)
    # Shirt V, scarf knot, lanyard and name badge on the chest (flat decals slightly above the jacket).
    def on_jacket(x, y, lift):
        rzz = np.interp(y, [1.08, 1.18, 1.28, 1.34, 1.37], [0.105, 0.11, 0.11, 0.10, 0.075])
        rxx = np.interp(y, [1.08, 1.18, 1.28, 1.34, 1.37], [0.15, 0.165, 0.175, 0.16, 0.10])
        return np.sqrt(np.clip(1 - (x / rxx) ** 2, 0.05, 1)) * rzz + lift

    def chest_quad(x0, x1, y0, y1, color, lift, joint="spine", n=4):
        xs, ys = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y1, y0, n))
        xs, ys = xs.ravel(), ys.ravel()
        pos = np.stack([xs, ys, on_jacket(xs, ys, lift)], -1)
        part.add(pos, np.tile([0, 0, 1.0], (len(pos), 1)), color, joint, _grid_indices(n, n))

    vy = np.linspace(1.375, 1.22, 6)
    half = np.linspace(0.055, 0.0, 6)
    pos = np.concatenate([np.stack([-half, vy, on_jacket(-half, vy, 0.004)], -1),
                          np.stack([half, vy, on_jacket(half, vy, 0.004)], -1)])
    idx = []
    for i in range(5):
        a, b, c, d = i, i + 1, 6 + i, 6 + i + 1
        idx += [a, b, c, c, b, d]
    part.add(pos, np.tile([0, 0, 1.0], (12, 1)), SHIRT, "spine", np.array(idx))
    ellipsoid(part, (0, 1.345, 0.082), (0.026, 0.018, 0.012), SCARF, "spine", 10, 6)
    ellipsoid(part, (-0.018, 1.315, 0.09), (0.012, 0.028, 0.008), SCARF, "spine", 8, 6)
    ellipsoid(part, (0.015, 1.318, 0.089), (0.011, 0.025, 0.008), SCARF, "spine", 8, 6)
    def chest_strip(x_top, y_top, x_bottom, y_bottom, width, color, lift, n=8):
        k = np.linspace(0, 1, n)
        xs, ys = x_top + (x_bottom - x_top) * k, y_top + (y_bottom - y_top) * k
        pos = np.concatenate([np.stack([xs - width / 2, ys, on_jacket(xs - width / 2, ys, lift)], -1),
                              np.stack([xs + width / 2, ys, on_jacket(xs + width / 2, ys, lift)], -1)])
        idx = []
        for i in range(n - 1):
            idx += [i, i + 1, n + i, i + 1, n + i + 1, n + i]
        part.add(pos, np.tile([0, 0, 1.0], (2 * n, 1)), color, "spine", np.array(idx))

    for side in (1, -1):
        chest_strip(side * 0.070, 1.372, side * 0.014, 1.225, 0.022, LAPEL, 0.0045)   # lapel edges
        chest_strip(side * 0.062, 1.368, side * 0.026, 1.195, 0.011, LANYARD, 0.007)  # lanyard straps
    chest_quad(-0.04, 0.04, 1.12, 1.20, BADGE, 0.008)
    chest_quad(-0.04, 0.04, 1.182, 1.20, BADGE_BAND, 0.010, n=2)
    chest_quad(-0.028, 0.0, 1.135, 1.17, (0.75, 0.80, 0.88), 0.010, n=2)   # photo
    for i in range(3):                                                       # name lines
        chest_quad(0.006, 0.032, 1.162 - i * 0.012, 1.167 - i * 0.012, (0.35, 0.38, 0.45), 0.010, n=2)
    for y in (1.05, 0.95):
        ellipsoid(part, (0.0, y, on_jacket(0.0, min(y, 1.08), 0.004) if y > 1.0 else 0.107), (0.008, 0.008, 0.005),
                  BUTTON, "spine" if y > 1.0 else "hips", 8, 5)
    # Arms: sleeves, hands.
    for side, prefix in ((1, "left"), (-1, "right")):
        sh = np.array(BONES[BONE_INDEX[prefix + "UpperArm"]][2])
        el = np.array(BONES[BONE_INDEX[prefix + "LowerArm"]][2])
        wr = np.array(BONES[BONE_INDEX[prefix + "Hand"]][2])
        ellipsoid(part, sh + [-side * 0.012, -0.012, 0], (0.047, 0.046, 0.05), JACKET, prefix + "UpperArm", 14, 8)
        capsule(part, sh + [0, -0.02, 0], el, 0.043, 0.038, JACKET, prefix + "UpperArm")
        ellipsoid(part, el, (0.038, 0.038, 0.038), JACKET, prefix + "LowerArm", 12, 8)
        capsule(part, el, wr + [0, 0.005, 0], 0.037, 0.034, JACKET, prefix + "LowerArm")
        ellipsoid(part, wr + [0, 0.01, 0], (0.042, 0.02, 0.044), SHIRT, prefix + "LowerArm", 12, 6)  # cuff
        ellipsoid(part, wr + [0, -0.045, 0.005], (0.026, 0.048, 0.036), SKIN, prefix + "Hand", 12, 8)
        ellipsoid(part, wr + [-side * 0.022, -0.025, 0.025], (0.011, 0.026, 0.012), SKIN, prefix + "Hand", 8, 6)
    # Legs and shoes (seen in full-body scenes).
    for side in (1, -1):
        lathe(part, [(0.86, 0.075, 0.08), (0.5, 0.062, 0.065), (0.08, 0.05, 0.055)], TROUSERS, "hips", 16,
              center=(side * 0.075, 0.0))
        ellipsoid(part, (side * 0.075, 0.04, 0.03), (0.055, 0.04, 0.095), SHOES, "hips", 12, 8)


# ── GLB writing ───────────────────────────────────────────────────────────────
class _Writer:
    def __init__(self) -> None:
        self.blob = bytearray()
        self.views: list[dict] = []
        self.accessors: list[dict] = []

    def add(self, array: np.ndarray, component: int, kind: str, target: int | None = None,
            normalized: bool = False, minmax: bool = False) -> int:
        while len(self.blob) % 4:
            self.blob.append(0)
        data = np.ascontiguousarray(array).tobytes()
        view = {"buffer": 0, "byteOffset": len(self.blob), "byteLength": len(data)}
        if target:
            view["target"] = target
        self.blob += data
        self.views.append(view)
        acc = {"bufferView": len(self.views) - 1, "componentType": component, "count": int(len(array)), "type": kind}
        if normalized:
            acc["normalized"] = True
        if minmax:
            acc["min"] = [float(v) for v in array.min(0)]
            acc["max"] = [float(v) for v in array.max(0)]
        self.accessors.append(acc)
        return len(self.accessors) - 1


FLOAT, UBYTE, UINT = 5126, 5121, 5125
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963


FLIP = np.array([-1.0, 1.0, -1.0], np.float32)  # turn 180 degrees about Y (VRM 0.x models face -Z)


def _primitive(w: _Writer, part: Part, targets: list[np.ndarray] | None = None, flip: bool = False,
               joint_map: dict[int, int] | None = None) -> dict:
    pos, nrm, col, jnt, idx = part.arrays()
    if joint_map:  # indices into another skin's joint list
        jnt = np.array([joint_map[j] for j in jnt], np.uint8)
    if flip:
        pos, nrm, targets = pos * FLIP, nrm * FLIP, [d * FLIP for d in targets or []]
    n = len(pos)
    joints = np.zeros((n, 4), np.uint8)
    joints[:, 0] = jnt
    weights = np.zeros((n, 4), np.float32)
    weights[:, 0] = 1.0
    # The palette is written in display values (gamma ~2); glTF vertex colours are linear.
    colors = np.concatenate([col ** 2.0, np.ones((n, 1), np.float32)], 1).astype(np.float32)
    prim = {"attributes": {
        "POSITION": w.add(pos.astype(np.float32), FLOAT, "VEC3", ARRAY_BUFFER, minmax=True),
        "NORMAL": w.add(nrm.astype(np.float32), FLOAT, "VEC3", ARRAY_BUFFER),
        "COLOR_0": w.add(colors, FLOAT, "VEC4", ARRAY_BUFFER),
        "JOINTS_0": w.add(joints, UBYTE, "VEC4", ARRAY_BUFFER),
        "WEIGHTS_0": w.add(weights, FLOAT, "VEC4", ARRAY_BUFFER)},
        "indices": w.add(idx.astype(np.uint32), UINT, "SCALAR", ELEMENT_ARRAY_BUFFER),
        "mode": 4, "material": 0}
    if targets:
        prim["targets"] = [{"POSITION": w.add(d.astype(np.float32), FLOAT, "VEC3", ARRAY_BUFFER, minmax=True)}
                           for d in targets]
    return prim


def _test_rotation(i: int) -> np.ndarray:
    """A different, deterministic rest rotation per bone (rigs like Mixamo's are not axis-aligned)."""
    axis = np.array([1.0, (i % 3) - 1.0, 2.0])
    axis /= np.linalg.norm(axis)
    angle = np.radians(25.0 + 17.0 * i)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k


def _quaternion(m: np.ndarray) -> list[float]:
    """[x, y, z, w] of a rotation matrix (glTF order)."""
    w = np.sqrt(max(1.0 + m[0, 0] + m[1, 1] + m[2, 2], 1e-12)) / 2
    x = (m[2, 1] - m[1, 2]) / (4 * w)
    y = (m[0, 2] - m[2, 0]) / (4 * w)
    z = (m[1, 0] - m[0, 1]) / (4 * w)
    return [float(x), float(y), float(z), float(w)]


def build_gltf(variant: str = "guide") -> tuple[dict, bytes]:
    """The glTF JSON and binary chunk. variant: "guide" (built-in names), "vrm0" or "vrm1" (VRoid-style),
    "rotated" (Mixamo bone names with rest rotations that are not identity, VRChat-style morph names),
    "vroid" (vrm0 with one skin per mesh, as UniVRM writes them)."""
    w = _Writer()
    body, hair = Part(), Part()
    build_body(body, hair)
    face = Part()
    build_face(face, REST)
    rest_pos = face.arrays()[0]
    deltas = []
    for name in MORPHS:
        morphed = Part()
        build_face(morphed, TARGETS[name])
        deltas.append(morphed.arrays()[0] - rest_pos)
    multiskin = variant == "vroid"  # VRM 0.x like UniVRM writes it: one skin per mesh
    if multiskin:
        variant = "vrm0"
    flip = variant == "vrm0"
    body_prim = _primitive(w, body, flip=flip)
    hair_prim = {**_primitive(w, hair, flip=flip), "material": 1}  # seen from inside at the cut edges
    face_prim = _primitive(w, face, deltas, flip=flip, joint_map={BONE_INDEX["head"]: 0} if multiskin else None)

    vrm = variant in ("vrm0", "vrm1")
    if vrm:
        bone_name, morph_names = (lambda b: VRM_BONE_NAMES[b]), [VRM0_MORPH_NAMES[m] for m in MORPHS]
    elif variant == "rotated":
        bone_name, morph_names = (lambda b: MIXAMO_BONE_NAMES[b]), [OTHER_MORPH_NAMES[m] for m in MORPHS]
    else:
        bone_name, morph_names = (lambda b: b), list(MORPHS)

    nodes: list[dict] = [{"name": "Guide", "children": [1, 2, 3]},
                         {"name": "Body", "mesh": 0, "skin": 0}, {"name": "Face", "mesh": 1, "skin": 0}]
    first_bone = len(nodes)
    world_rot: dict[str, np.ndarray] = {}
    ibms = []
    for i, (name, parent, world) in enumerate(BONES):
        parent_world = np.array(BONES[BONE_INDEX[parent]][2]) if parent else np.zeros(3)
        offset = (np.array(world) - parent_world) * (FLIP if flip else 1.0)
        node = {"name": bone_name(name)}
        local_rot = _test_rotation(i) if variant == "rotated" else np.eye(3)
        parent_rot = world_rot[parent] if parent else np.eye(3)
        world_rot[name] = parent_rot @ local_rot
        node["translation"] = [float(v) for v in parent_rot.T @ offset]  # offset in the parent's axes
        if variant == "rotated":
            node["rotation"] = _quaternion(local_rot)
        nodes.append(node)
        bind = np.eye(4)
        bind[:3, :3] = world_rot[name]
        bind[:3, 3] = np.array(world) * (FLIP if flip else 1.0)
        ibms.append(np.linalg.inv(bind).T.astype(np.float32).ravel())  # glTF matrices are column-major
    for i, (name, parent, _) in enumerate(BONES):
        if parent:
            nodes[first_bone + BONE_INDEX[parent]].setdefault("children", []).append(first_bone + i)
    ibm = np.stack(ibms)
    skin = {"joints": [first_bone + i for i in range(len(BONES))], "skeleton": first_bone,
            "inverseBindMatrices": w.add(ibm, FLOAT, "MAT4")}
    face_mesh = {"name": "Face", "primitives": [face_prim], "weights": [0.0] * len(MORPHS)}
    if variant == "vrm0":   # UniVRM keeps the names on the primitive, where panda3d-gltf does not look
        face_prim["extras"] = {"targetNames": morph_names}
    else:
        face_mesh["extras"] = {"targetNames": morph_names}
    gltf: dict = {
        "asset": {"version": "2.0", "generator": "navigator/avatar/generate.py"},
        "scene": 0,
        "scenes": [{"name": "Guide", "nodes": [0]}],
        "nodes": nodes,
        "meshes": [{"name": "Body", "primitives": [body_prim, hair_prim]}, face_mesh],
        "skins": [skin],  # "vroid": a second skin for the face, below
        "materials": [{"name": "VertexColour", "pbrMetallicRoughness": {
            "baseColorFactor": [1, 1, 1, 1], "metallicFactor": 0.0, "roughnessFactor": 1.0}},
                      {"name": "VertexColourTwoSided", "doubleSided": True, "pbrMetallicRoughness": {
                          "baseColorFactor": [1, 1, 1, 1], "metallicFactor": 0.0, "roughnessFactor": 1.0}}],
        "accessors": w.accessors,
        "bufferViews": w.views,
        "buffers": [{"byteLength": len(w.blob)}],
    }
    if multiskin:
        gltf["skins"].append({"joints": [first_bone + BONE_INDEX["head"]],
                              "inverseBindMatrices": w.add(ibm[BONE_INDEX["head"]:BONE_INDEX["head"] + 1], FLOAT,
                                                           "MAT4")})
        nodes[2]["skin"] = 1
        gltf["buffers"][0]["byteLength"] = len(w.blob)
    humanoid = [(b, first_bone + BONE_INDEX[b]) for b, _, _ in BONES]
    if variant == "vrm0":
        gltf["extensionsUsed"] = ["VRM"]
        gltf["extensions"] = {"VRM": {
            "specVersion": "0.0",
            "humanoid": {"humanBones": [{"bone": b, "node": n} for b, n in humanoid]},
            "blendShapeMaster": {"blendShapeGroups": [
                {"name": VRM0_PRESETS[m].upper(), "presetName": VRM0_PRESETS[m],
                 "binds": [{"mesh": 1, "index": i, "weight": 100}]} for i, m in enumerate(MORPHS)]}}}
    elif variant == "vrm1":
        gltf["extensionsUsed"] = ["VRMC_vrm"]
        gltf["extensions"] = {"VRMC_vrm": {
            "specVersion": "1.0",
            "humanoid": {"humanBones": {b: {"node": n} for b, n in humanoid}},
            "expressions": {"preset": {m: {"morphTargetBinds": [{"node": 2, "index": i, "weight": 1.0}]}
                                       for i, m in enumerate(MORPHS)}}}}
    return gltf, bytes(w.blob)


def glb_bytes(gltf: dict, blob: bytes) -> bytes:
    """Pack JSON + BIN chunks into a GLB container."""
    text = json.dumps(gltf, separators=(",", ":"), sort_keys=True).encode("utf-8")
    text += b" " * (-len(text) % 4)
    blob = blob + b"\0" * (-len(blob) % 4)
    total = 12 + 8 + len(text) + 8 + len(blob)
    return (struct.pack("<4sII", b"glTF", 2, total) + struct.pack("<I4s", len(text), b"JSON") + text
            + struct.pack("<I4s", len(blob), b"BIN\0") + blob)


def write_guide(path: Path, variant: str = "guide") -> Path:
    """Write the guide (or a VRM-style test variant) to `path`; returns the path."""
    gltf, blob = build_gltf(variant)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(glb_bytes(gltf, blob))
    return path
