"""AvatarStage: an offscreen Panda3D stage (backdrop, lights, camera, avatars) rendered to numpy RGB frames.

One ShowBase per process (created lazily, window-type none); each stage owns a GraphicsBuffer whose
colour is copied to RAM every frame (RTMCopyRam) and its own scene root, so several stages can live in
one process. Software rendering (p3tinydisplay) by default; "egl" uses p3headlessgl when it works.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
from panda3d.core import (AmbientLight, Camera, CullBinEnums, CullBinManager, DirectionalLight, FrameBufferProperties,
                          GeomNode, GraphicsOutput, GraphicsPipe, GraphicsPipeSelection, NodePath, OrthographicLens,
                          PerspectiveLens, Texture, Vec3, Vec4, WindowProperties, loadPrcFileData)

from navigator.avatar import background as backdrops
from navigator.avatar.controller import Avatar
from navigator.avatar.model_loading import BUILTIN_MODEL, AvatarModelError, load_model
from navigator.errors import UserError

RENDERERS = ("auto", "tinydisplay", "egl")
_PIPE_TYPES = {"tinydisplay": ("TinyOffscreenGraphicsPipe", "p3tinydisplay"),
               "egl": ("eglGraphicsPipe", "p3headlessgl")}
_base = None
_pipes: dict[str, object] = {}
_gsgs: dict[int, object] = {}
_spare_buffers: dict[tuple, list] = {}  # (pipe, size) -> [(buffer, texture)] of closed stages


def showbase():
    """The process's single ShowBase (no window; stages make their own offscreen buffers)."""
    global _base
    if _base is None:
        loadPrcFileData("navigator-avatar", "\n".join([
            "window-type none", "audio-library-name null", "sync-video false", "load-display p3tinydisplay",
            "textures-power-2 down", "max-texture-dimension 2048",
            # Panda3D reuses "nearly equal" cached transforms, so a pose could differ by a pixel
            # depending on what was drawn before; without the caches render(t) is exactly repeatable.
            "transform-cache 0", "uniquify-transforms 0",
            "notify-level-gobj error", "notify-level-device fatal", "notify-level-egldisplay error", "default-directnotify-level warning"]))
        from direct.showbase.ShowBase import ShowBase
        _base = ShowBase(windowType="none")
        # Opaque geometry in scene-graph order: the default state-sorted bin orders by RenderState
        # addresses, so coplanar parts (the face's decals) could draw in another order, and a frame
        # differ by a pixel, after other stages had come and gone in the process.
        bins = CullBinManager.getGlobalPtr()
        bins.setBinType(bins.findBin("opaque"), CullBinEnums.BT_unsorted)
    return _base


def _pipe(renderer: str) -> tuple[object, str, str | None]:
    """(GraphicsPipe, renderer name, note) — EGL falls back to tinydisplay with a note."""
    showbase()
    wanted = "tinydisplay" if renderer == "auto" else renderer
    if wanted not in _pipes:
        pipe = GraphicsPipeSelection.getGlobalPtr().makePipe(*_PIPE_TYPES[wanted])
        _pipes[wanted] = pipe if pipe is not None and pipe.isValid() else None
    if _pipes[wanted] is None:
        if wanted == "tinydisplay":
            raise UserError("the software renderer p3tinydisplay is not available: reinstall panda3d")
        pipe, name, _ = _pipe("tinydisplay")
        return pipe, name, "EGL (p3headlessgl) is not available here: using the software renderer"
    return _pipes[wanted], wanted, None


class AvatarStage:
    """A stage with a backdrop, soft lights, a framed camera and avatars; `render()` returns RGB frames."""

    def __init__(self, size: tuple[int, int] = (1280, 720), renderer: str = "auto", background="lobby",
                 framing: str = "landscape", qr_side: str = "right"):
        if renderer not in RENDERERS:
            raise UserError(f"renderer {renderer!r}: use auto, tinydisplay or egl")
        self.size = (int(size[0]), int(size[1]))
        if min(self.size) < 16 or max(self.size) > 8192:
            raise UserError(f"stage size {self.size[0]}x{self.size[1]}: use 16..8192 pixels a side")
        if framing not in ("landscape", "portrait"):
            raise UserError(f"framing {framing!r}: use landscape or portrait")
        backdrops.backdrop(background)  # a bad value is reported before any buffer is taken
        self.base = showbase()
        self.qr_side = qr_side
        self.time = 0.0
        self.avatars: dict[str, Avatar] = {}
        self._wall: float | None = None
        pipe, self.renderer, self.renderer_note = _pipe(renderer)
        self._buffer, self._texture = self._make_buffer(pipe)
        if self._buffer is None and self.renderer != "tinydisplay":
            self.renderer_note = f"{self.renderer} could not open an offscreen buffer: using the software renderer"
            pipe, self.renderer, _ = _pipe("tinydisplay")
            self._buffer, self._texture = self._make_buffer(pipe)
        self._pipe = pipe
        if self._buffer is None:
            raise UserError(f"could not open a {self.size[0]}x{self.size[1]} offscreen buffer")
        self.scene = NodePath("avatar-stage")
        self._backdrop_root = NodePath("backdrop")
        self._setup_backdrop(background)
        self._setup_camera()
        self._setup_lights()
        self.frame_guide(framing)
        self._buffer.setActive(False)

    # ── setup ──────────────────────────────────────────────────────────────────
    def _make_buffer(self, pipe):
        """An offscreen buffer copied to RAM each frame; reused from closed stages of the same size,
        because Panda3D does not give a removed software buffer's memory back (~8 bytes a pixel)."""
        key = (id(pipe), self.size)
        if _spare_buffers.get(key):
            return _spare_buffers[key].pop()
        engine = self.base.graphicsEngine
        fb = FrameBufferProperties()
        fb.setRgbColor(True)
        fb.setRgbaBits(8, 8, 8, 0)
        fb.setDepthBits(24)
        props = WindowProperties.size(*self.size)
        buffer = engine.makeOutput(pipe, f"avatar-stage-{self.size[0]}x{self.size[1]}", 0, fb, props,
                                   GraphicsPipe.BFRefuseWindow, _gsgs.get(id(pipe)), None)
        if buffer is None:
            return None, None
        if id(pipe) not in _gsgs:
            engine.openWindows()  # one graphics context per renderer, shared by every stage
            _gsgs[id(pipe)] = buffer.getGsg()
        texture = Texture("avatar-frame")
        buffer.addRenderTexture(texture, GraphicsOutput.RTMCopyRam)
        buffer.setClearColorActive(False)  # the backdrop covers every pixel: no clear pass needed
        return buffer, texture

    def _setup_backdrop(self, spec) -> None:
        from panda3d.core import GeomTriangles, GeomVertexData, GeomVertexFormat, GeomVertexWriter, Geom

        quads = backdrops.backdrop(spec)
        vdata = GeomVertexData("backdrop", GeomVertexFormat.getV3c4(), Geom.UHStatic)
        vertex, color = GeomVertexWriter(vdata, "vertex"), GeomVertexWriter(vdata, "color")
        tris = GeomTriangles(Geom.UHStatic)
        for i, q in enumerate(quads):
            for x, y, c in ((q.x0, q.y0, q.bottom), (q.x1, q.y0, q.bottom), (q.x1, q.y1, q.top), (q.x0, q.y1, q.top)):
                vertex.addData3(x, 0, y)
                color.addData4(c[0], c[1], c[2], 1)
            tris.addVertices(4 * i, 4 * i + 1, 4 * i + 2)
            tris.addVertices(4 * i, 4 * i + 2, 4 * i + 3)
        geom = Geom(vdata)
        geom.addPrimitive(tris)
        node = GeomNode("backdrop")
        node.addGeom(geom)
        card = self._backdrop_root.attachNewNode(node)
        card.setDepthWrite(False)
        card.setDepthTest(False)
        card.setLightOff(1)
        card.setTwoSided(True)
        if not hasattr(self, "_backdrop_region"):
            lens = OrthographicLens()
            lens.setFilmSize(1, 1)
            lens.setFilmOffset(0.5, 0.5)
            lens.setNearFar(-10, 10)
            cam = self._backdrop_root.attachNewNode(Camera("backdrop-cam", lens))
            self._backdrop_cam = cam
            region = self._buffer.makeDisplayRegion()
            region.setSort(0)
            region.setCamera(cam)
            self._backdrop_region = region
        card.reparentTo(self._backdrop_root)

    def set_background(self, spec) -> None:
        """Change the backdrop: "lobby" | "sky" | "studio" | "#rrggbb" | ("#top", "#bottom")."""
        backdrops.backdrop(spec)  # check first: a bad value keeps the old backdrop
        for child in self._backdrop_root.getChildren():
            if child != self._backdrop_cam:
                child.removeNode()
        self._setup_backdrop(spec)

    def _setup_camera(self) -> None:
        self.lens = PerspectiveLens()
        self.lens.setNearFar(0.3, 60.0)
        self.camera = self.scene.attachNewNode(Camera("stage-cam", self.lens))
        region = self._buffer.makeDisplayRegion()
        region.setSort(1)
        region.setClearDepthActive(True)
        region.setCamera(self.camera)
        self._region = region

    def _setup_lights(self) -> None:
        ambient = AmbientLight("ambient")
        # Soft and never above 1.0 in total: the software rasteriser wraps over-bright colours.
        ambient.setColor(Vec4(0.50, 0.50, 0.52, 1))
        key = DirectionalLight("key")
        key.setColor(Vec4(0.42, 0.41, 0.38, 1))
        fill = DirectionalLight("fill")
        fill.setColor(Vec4(0.07, 0.08, 0.09, 1))
        for light, hpr in ((ambient, None), (key, (-25, -30, 0)), (fill, (40, -5, 0))):
            path = self.scene.attachNewNode(light)
            if hpr:
                path.setHpr(*hpr)
            self.scene.setLight(path)
        self._key_light, self._ambient_light = key, ambient

    def set_light_colours(self, key: str | None = None, ambient: str | None = None) -> None:
        """Recolour the key (directional) and ambient lights ("#rrggbb"); None keeps a light as it is."""
        for light, colour in ((self._key_light, key), (self._ambient_light, ambient)):
            if colour:
                light.setColor(Vec4(*backdrops.hex_color(colour), 1))

    def add_environment(self, path: str | Path) -> None:
        """Place a glTF/GLB set around the avatars; raises what panda3d-gltf raises on a broken file."""
        import gltf

        model = gltf.load_model(str(path))
        node = model if isinstance(model, NodePath) else NodePath(model)
        node.reparentTo(self.scene)

    # ── avatars ────────────────────────────────────────────────────────────────
    def add_avatar(self, model: str | Path | None = None, name: str = "guide",
                   position=(0.0, 0.0, 0.0), heading: float = 0.0) -> Avatar:
        """Load the built-in guide (model=None) or a .glb/.gltf/.vrm; a bad file gives the guide + load_warning.

        Position is in stage metres (x right, y away from the default camera, z up); heading 0 faces the camera.
        """
        if name in self.avatars:
            raise UserError(f"an avatar named {name!r} is already on the stage")
        warning = None
        builtin = model is None
        if not builtin:
            try:
                root, mapping = load_model(Path(model))
            except AvatarModelError as exc:
                warning = f"{exc}; showing the built-in guide instead"
                builtin = True
        if builtin:
            root, mapping = load_model(BUILTIN_MODEL)
            if self.renderer != "tinydisplay":
                # OpenGL ignores vertex colours under a material; tinydisplay applies them once with it
                # (and twice without). Either way the guide's colours then come out the same.
                root.setMaterialOff(1)
        holder = self.scene.attachNewNode(f"avatar:{name}")
        holder.setPos(*position)
        holder.setH(heading)
        root.reparentTo(holder)
        root.setH(mapping.heading)
        avatar = Avatar(self, name, holder, mapping, seed=7 + len(self.avatars), load_warning=warning,
                        builtin=builtin)
        self.avatars[name] = avatar
        avatar.update(self.time)
        if len(self.avatars) == 1 and self._framing:
            self.frame_guide(self._framing)
        wall = self._wall
        self.render(self.time)  # the first frame after loading still shows the bind pose: use it up here
        self._wall = wall       # ...without disturbing the wall-clock pace of render()
        return avatar

    def remove_avatar(self, name: str) -> None:
        if name not in self.avatars:
            raise UserError(f"no avatar named {name!r} on the stage")
        self.avatars.pop(name).root.removeNode()

    # ── camera ─────────────────────────────────────────────────────────────────
    def set_camera(self, position, look_at, fov: float | None = None) -> None:
        """Explicit camera (scenes): position and target in stage metres; fov = vertical degrees."""
        self._framing = None
        self.lens.setNearFar(0.3, 60.0)
        self.camera.setPos(*position)
        self.camera.lookAt(Vec3(*look_at))
        if fov:
            self._set_vfov(fov)

    def frame_guide(self, framing: str = "landscape") -> None:
        """The default framing of the first avatar: "landscape" (head and chest) or "portrait" (to the knees)."""
        if framing not in ("landscape", "portrait"):
            raise UserError(f"framing {framing!r}: use landscape or portrait")
        self._framing = framing
        guide = next(iter(self.avatars.values()), None)
        head = guide.head_position() if guide else Vec3(0, 0, 1.56)
        scale = max(head.z / 1.56, 0.2)
        vfov = 30.0
        if framing == "landscape":
            top, bottom = head.z + 0.23 * scale, head.z - 0.62 * scale
        else:
            top, bottom = head.z + 0.27 * scale, head.z - 1.23 * scale  # wide enough for a pointing arm
        distance = (top - bottom) / 2 / math.tan(math.radians(vfov / 2))
        middle = (top + bottom) / 2
        self.camera.setPos(head.x, head.y - distance, middle + 0.05 * scale)
        self.camera.lookAt(Vec3(head.x, head.y, middle))
        self.lens.setNearFar(distance * 0.6, distance * 8)  # a close near plane costs depth precision
        self._set_vfov(vfov)

    def _set_vfov(self, vfov: float) -> None:
        aspect = self.size[0] / self.size[1]
        hfov = math.degrees(2 * math.atan(math.tan(math.radians(vfov / 2)) * aspect))
        self.lens.setFov(hfov, vfov)

    def camera_position(self) -> Vec3:
        return self.camera.getPos(self.scene)

    def project(self, point) -> tuple[float, float] | None:
        """Pixel (x, y from the top-left) of a stage point, or None when it is off-screen."""
        from panda3d.core import Point2, Point3

        film = Point2()
        local = self.camera.getRelativePoint(self.scene, Point3(*point))
        if not self.lens.project(local, film):
            return None
        w, h = self.size
        return (film.x + 1) / 2 * w, (1 - film.y) / 2 * h

    # ── rendering ──────────────────────────────────────────────────────────────
    def render(self, t: float | None = None) -> np.ndarray:
        """Advance to stage time `t` (None: by wall-clock time since the last call) and return RGB (H, W, 3)."""
        self._draw(t)
        return self._frame()

    def render_bgra(self, t: float | None = None) -> np.ndarray:
        """Like render() but (H, W, 4) uint8 B, G, R, X rows top-down: what Qt's QImage.Format_RGB32 reads
        on little-endian machines, without the RGB conversion (about 3-5 ms less per frame)."""
        self._draw(t)
        tex = self._texture
        if tex.getNumComponents() != 4:
            rgb = self._frame()
            return np.concatenate([rgb[..., ::-1], np.full((*rgb.shape[:2], 1), 255, np.uint8)], axis=2)
        data = np.frombuffer(tex.getRamImage(), np.uint8)
        return np.ascontiguousarray(data.reshape(tex.getYSize(), tex.getXSize(), 4)[::-1])

    def _draw(self, t: float | None) -> None:
        if t is None:
            now = time.perf_counter()
            if self._wall is not None:
                self.time += min(now - self._wall, 0.5)
            self._wall = now
        else:
            self.time = float(t)
            self._wall = None
        for avatar in self.avatars.values():
            avatar.update(self.time)
        self._buffer.setActive(True)
        self.base.graphicsEngine.renderFrame()
        self._buffer.setActive(False)

    def _frame(self) -> np.ndarray:
        tex = self._texture
        w, h = tex.getXSize(), tex.getYSize()
        channels = tex.getNumComponents()
        data = np.frombuffer(tex.getRamImage(), np.uint8).reshape(h, w, channels)[::-1]  # bottom-up BGR(A)
        frame = np.empty((h, w, 3), np.uint8)
        if channels < 3:
            frame[...] = data[..., :1]
            return frame
        for k in range(3):  # one channel at a time: ~2x faster than one strided gather
            frame[..., k] = data[..., 2 - k]
        return frame

    def close(self) -> None:
        for name in list(self.avatars):
            self.remove_avatar(name)
        if self._buffer is not None:
            self._buffer.setActive(False)
            self._buffer.removeAllDisplayRegions()
            _spare_buffers.setdefault((id(self._pipe), self.size), []).append((self._buffer, self._texture))
            self._buffer = None
        self.scene.removeNode()
        self._backdrop_root.removeNode()

    def __enter__(self) -> "AvatarStage":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
