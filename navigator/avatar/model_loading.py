"""Load an avatar model (built-in guide, .glb/.gltf, VRM 0.x/1.0) and map it onto the rig's controls.

The glTF JSON is read and checked here first (clear one-line errors naming the file), morph targets
get unique names (UniVRM keeps names on `primitives[].extras.targetNames`, which panda3d-gltf does not
read: it only reads `meshes[].extras.targetNames`), then panda3d-gltf's Converter builds the scene graph
from the edited data. Control maps come from the VRM tables when present, else from known names.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import struct
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from navigator.avatar import rig
from navigator.errors import UserError

ASSET_DIR = Path(__file__).resolve().parents[2] / "assets" / "avatar"
BUILTIN_MODEL = ASSET_DIR / "guide.glb"
EXTENSIONS = (".glb", ".gltf", ".vrm")
UNSUPPORTED_EXTENSIONS = ("KHR_draco_mesh_compression", "EXT_meshopt_compression", "KHR_mesh_quantization")


class AvatarModelError(UserError):
    """An avatar file that cannot be used (missing, corrupt, not glTF, no meshes)."""


@dataclass
class ModelMapping:
    """What the loader found: morph controls -> [(slider name, weight)], bones -> joint names."""

    sliders: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    bones: dict[str, str] = field(default_factory=dict)
    heading: float = 0.0   # degrees to turn the model so that it faces the camera
    kind: str = "glTF"     # "glTF", "VRM 0.x", "VRM 1.0"


def read_gltf(path: Path) -> dict:
    """The glTF JSON of a .glb/.gltf/.vrm file (GLB binary chunk kept as panda3d-gltf expects)."""
    path = Path(path)
    if not path.is_file():
        raise AvatarModelError(f"{path}: avatar file not found")
    if path.suffix.lower() not in EXTENSIONS:
        raise AvatarModelError(f"{path}: not an avatar model (use a .glb, .gltf or .vrm file)")
    data = path.read_bytes()
    try:
        if data[:4] == b"glTF":
            gltf = _parse_glb(data)
        else:
            gltf = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, struct.error) as exc:
        raise AvatarModelError(f"{path}: not a readable glTF/GLB/VRM file ({exc})") from None
    if not isinstance(gltf, dict) or "asset" not in gltf:
        raise AvatarModelError(f"{path}: not a glTF file (no \"asset\" section)")
    if not gltf.get("meshes"):
        raise AvatarModelError(f"{path}: the file has no meshes, nothing to show")
    compressed = [e for e in gltf.get("extensionsRequired", []) if e in UNSUPPORTED_EXTENSIONS]
    if compressed:
        raise AvatarModelError(f"{path}: uses {', '.join(compressed)}, which cannot be read here: "
                               "export it again without mesh compression")
    return gltf


def _parse_glb(data: bytes) -> dict:
    magic, version, length = struct.unpack_from("<4sII", data, 0)
    if version != 2:
        raise ValueError(f"GLB version {version}, only 2 is supported")
    if length > len(data):
        raise ValueError(f"truncated: header says {length} bytes, file has {len(data)}")
    size, kind = struct.unpack_from("<I4s", data, 12)
    if kind != b"JSON" or 20 + size > len(data):
        raise ValueError("first chunk is not JSON")
    gltf = json.loads(data[20:20 + size].decode("utf-8"))
    offset = 20 + size
    if offset + 8 <= length:
        bin_size, bin_kind = struct.unpack_from("<I4s", data, offset)
        if bin_kind != b"BIN\0" or offset + 8 + bin_size > len(data):
            raise ValueError("binary chunk is damaged or truncated")
        gltf.setdefault("buffers", [])
        gltf["buffers"].insert(0, {"uri": "_glb_bin", "_glb_bin": data[offset + 8:offset + 8 + bin_size]})
        if len(gltf["buffers"]) > 1 and "uri" not in gltf["buffers"][1]:
            gltf["buffers"].pop(1)  # the GLB's own buffer entry, now replaced by the chunk above
    return gltf


def map_controls(gltf: dict) -> ModelMapping:
    """Give every morph target a unique name in `gltf` (in place) and map controls and bones onto it."""
    mapping = ModelMapping()
    slider_names: dict[tuple[int, int], str] = {}
    original: dict[tuple[int, int], str] = {}
    for mesh_id, mesh in enumerate(gltf.get("meshes", [])):
        count = max((len(p.get("targets", [])) for p in mesh.get("primitives", [])), default=0)
        if not count:
            continue
        names = (mesh.get("extras") or {}).get("targetNames") or []
        for prim in mesh.get("primitives", []):
            names = names or (prim.get("extras") or {}).get("targetNames") or []
        unique = []
        for index in range(count):
            slider_names[(mesh_id, index)] = unique_name = f"morph{mesh_id}_{index}"  # no dots: panda3d-gltf matches InternalName basenames
            original[(mesh_id, index)] = str(names[index]) if index < len(names) else str(index)
            unique.append(unique_name)
        extras = mesh.get("extras") if isinstance(mesh.get("extras"), dict) else {}
        mesh["extras"] = {**extras, "targetNames": unique}
        if mesh.get("weights") and len(mesh["weights"]) != count:
            mesh["weights"] = [0.0] * count

    extensions = gltf.get("extensions") or {}
    nodes = gltf.get("nodes", [])

    def add(control: str, mesh_id: int | None, index: int, weight: float) -> None:
        if mesh_id is not None and (mesh_id, index) in slider_names:
            mapping.sliders.setdefault(control, []).append((slider_names[(mesh_id, index)], weight))

    if "VRMC_vrm" in extensions:
        mapping.kind = "VRM 1.0"
        vrm = extensions["VRMC_vrm"]
        for preset, control in rig.VRM1_PRESETS.items():
            expression = ((vrm.get("expressions") or {}).get("preset") or {}).get(preset) or {}
            for bind in expression.get("morphTargetBinds", []):
                node = nodes[bind["node"]] if 0 <= bind.get("node", -1) < len(nodes) else {}
                add(control, node.get("mesh"), int(bind.get("index", -1)), float(bind.get("weight", 1.0)))
        for bone, spec in ((vrm.get("humanoid") or {}).get("humanBones") or {}).items():
            _map_bone(mapping, gltf, bone, spec.get("node"))
    elif "VRM" in extensions:
        mapping.kind = "VRM 0.x"
        mapping.heading = 180.0  # VRM 0.x models face -Z
        vrm = extensions["VRM"]
        groups = (vrm.get("blendShapeMaster") or {}).get("blendShapeGroups") or []
        presets = {str(g.get("presetName", "")).lower(): g for g in groups}
        for preset, group in presets.items():
            control = rig.VRM0_PRESETS.get(preset)
            if control is None and preset in rig.VRM0_FALLBACK and "joy" not in presets:
                control = rig.VRM0_FALLBACK[preset]
            if control is None:
                continue
            for bind in group.get("binds", []):
                add(control, bind.get("mesh"), int(bind.get("index", -1)), float(bind.get("weight", 100)) / 100.0)
        for spec in (vrm.get("humanoid") or {}).get("humanBones") or []:
            _map_bone(mapping, gltf, spec.get("bone", ""), spec.get("node"))

    for (mesh_id, index), name in original.items():  # names fill what the VRM tables left out
        control = rig.morph_control(name)
        if control and control not in mapping.sliders:
            add(control, mesh_id, index, 1.0)
        elif control and mapping.kind == "glTF":
            add(control, mesh_id, index, 1.0)
    for node_id, node in enumerate(nodes):
        bone = rig.bone_control(str(node.get("name", "")))
        if bone and bone not in mapping.bones:
            _map_bone(mapping, gltf, bone, node_id)
    return mapping


def _map_bone(mapping: ModelMapping, gltf: dict, bone: str, node_id) -> None:
    if bone not in rig.BONES or not isinstance(node_id, int) or not 0 <= node_id < len(gltf.get("nodes", [])):
        return
    node = gltf["nodes"][node_id]
    node.setdefault("name", f"node{node_id}")
    mapping.bones[bone] = node["name"]


_loaded: dict[tuple, tuple] = {}  # (path, mtime, size) -> (template NodePath, ModelMapping)


def load_model(path: Path):
    """(Panda3D NodePath of a fresh copy of the model, ModelMapping). Raises AvatarModelError.

    Each file is converted once per process and copied for every avatar: converting again would cost
    time and memory that Panda3D does not give back."""
    from panda3d.core import NodePath

    path = Path(path)
    stat = path.stat() if path.is_file() else None
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size) if stat else None
    if key not in _loaded:
        _loaded[key] = _convert(path)   # a missing file (key None) raises AvatarModelError here
    root, mapping = _loaded[key]
    return NodePath(root.node().copySubgraph()), mapping


def _convert(path: Path):
    from gltf._converter import Converter, GltfSettings
    from panda3d.core import NodePath

    gltf = read_gltf(path)
    try:
        merge_skins(gltf, path)
    except (KeyError, IndexError, ValueError, TypeError, OSError) as exc:
        raise AvatarModelError(f"{path}: its skins could not be combined ({type(exc).__name__}: {exc})") from None
    mapping = map_controls(gltf)
    try:
        # no sRGB textures: tinydisplay refuses them and the fixed-function pipeline would not decode them
        converter = Converter(str(path.resolve()), settings=GltfSettings(skip_animations=True, no_srgb=True))
        with contextlib.redirect_stdout(io.StringIO()):  # panda3d-gltf prints its warnings
            converter.update(gltf)
    except Exception as exc:  # panda3d-gltf raises many kinds on broken data
        raise AvatarModelError(f"{path}: the model could not be built ({type(exc).__name__}: {exc})") from None
    root = NodePath(converter.active_scene.node())
    for texture in root.findAllTextures():  # embedded images skip Panda's power-of-two rescale on load;
        texture.rescaleTexture()             # the software renderer refuses other sizes
    if root.getBounds().isEmpty():
        raise AvatarModelError(f"{path}: the model has no visible geometry")
    return root, mapping


def configured_model(path: Path) -> Path | None:
    """The avatar file `[paths] avatar` names: None for the built-in guide (its folder or its file)."""
    path = Path(path)
    if path.is_dir():
        if (path / BUILTIN_MODEL.name).exists():
            return None if path.resolve() == ASSET_DIR.resolve() else path / BUILTIN_MODEL.name
        candidates = sorted(p for p in path.iterdir() if p.suffix.lower() in EXTENSIONS)
        return candidates[0] if candidates else None
    if path.resolve() == BUILTIN_MODEL.resolve():
        return None
    return path  # a missing or broken file is reported by the stage, which then shows the built-in guide


# ── several skins → one ───────────────────────────────────────────────────────
# UniVRM (VRoid Studio) writes one skin per mesh, all under the same root; panda3d-gltf keeps one
# skin per root and fails on the others (KeyError). Merging them into one skin over the union of
# their joints (remapping JOINTS_n of the affected meshes) gives one Character that moves as a whole.
_DTYPES = {5120: np.int8, 5121: np.uint8, 5122: np.int16, 5123: np.uint16, 5125: np.uint32, 5126: np.float32}
_WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT4": 16}


def merge_skins(gltf: dict, path: Path) -> None:
    skins = gltf.get("skins") or []
    if len(skins) < 2:
        return
    union: list[int] = []
    for skin in skins:
        union += [j for j in skin["joints"] if j not in union]
    inverse_bind: dict[int, np.ndarray] = {}
    for skin in skins:
        if "inverseBindMatrices" in skin:
            matrices = _read_accessor(gltf, skin["inverseBindMatrices"], path)
        else:
            matrices = np.tile(np.eye(4, dtype=np.float32).ravel(), (len(skin["joints"]), 1))
        for joint, matrix in zip(skin["joints"], matrices):
            inverse_bind.setdefault(joint, matrix)
    index = {joint: i for i, joint in enumerate(union)}
    remapped: dict[int, int] = {}  # mesh -> skin its joints were remapped from
    for node in gltf.get("nodes", []):
        if "skin" not in node or "mesh" not in node:
            continue
        skin_id, mesh_id = node["skin"], node["mesh"]
        table = np.array([index[j] for j in skins[skin_id]["joints"]], np.uint16)
        if mesh_id in remapped:
            if remapped[mesh_id] != skin_id:
                raise ValueError(f"mesh {mesh_id} is skinned with two different skins")
        elif not np.array_equal(table, np.arange(len(table))):
            for prim in gltf["meshes"][mesh_id].get("primitives", []):
                for name in [a for a in prim.get("attributes", {}) if a.startswith("JOINTS_")]:
                    joints = _read_accessor(gltf, prim["attributes"][name], path).astype(np.int64)
                    prim["attributes"][name] = _add_accessor(gltf, table[joints].astype(np.uint16), 5123, "VEC4")
        remapped[mesh_id] = skin_id
        node["skin"] = 0
    matrices = np.stack([inverse_bind[j] for j in union]).astype(np.float32)
    merged = {"joints": union, "inverseBindMatrices": _add_accessor(gltf, matrices, 5126, "MAT4")}
    if "skeleton" in skins[0]:
        merged["skeleton"] = skins[0]["skeleton"]
    gltf["skins"] = [merged]


def _buffer_bytes(gltf: dict, buffer_id: int, path: Path) -> bytes:
    buffer = gltf["buffers"][buffer_id]
    if "_glb_bin" in buffer:
        return buffer["_glb_bin"]
    uri = buffer.get("uri", "")
    if uri.startswith("data:"):
        return base64.b64decode(uri.split(",", 1)[1])
    return (path.parent / urllib.parse.unquote(uri)).read_bytes()


def _read_accessor(gltf: dict, accessor_id: int, path: Path) -> np.ndarray:
    accessor = gltf["accessors"][accessor_id]
    view = gltf["bufferViews"][accessor["bufferView"]]
    dtype = np.dtype(_DTYPES[accessor["componentType"]])
    width = _WIDTH[accessor["type"]]
    stride = view.get("byteStride") or dtype.itemsize * width
    start = view.get("byteOffset", 0) + accessor.get("byteOffset", 0)
    data = _buffer_bytes(gltf, view["buffer"], path)
    return np.ndarray((accessor["count"], width), dtype, buffer=data, offset=start,
                      strides=(stride, dtype.itemsize)).copy()


def _add_accessor(gltf: dict, array: np.ndarray, component: int, kind: str) -> int:
    """Append an accessor whose data lives in a new base64 buffer (panda3d-gltf reads those)."""
    data = np.ascontiguousarray(array).tobytes()
    gltf["buffers"].append({"byteLength": len(data),
                            "uri": "data:application/octet-stream;base64," + base64.b64encode(data).decode()})
    gltf["bufferViews"].append({"buffer": len(gltf["buffers"]) - 1, "byteOffset": 0, "byteLength": len(data)})
    gltf["accessors"].append({"bufferView": len(gltf["bufferViews"]) - 1, "componentType": component,
                              "count": int(len(array)), "type": kind})
    return len(gltf["accessors"]) - 1
