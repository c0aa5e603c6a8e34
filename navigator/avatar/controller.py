"""One avatar on a stage: drives its morph sliders and bones from stage time.

Idle life (breathing, sway, blinks every 2-6 s), lip-sync from timed mouth cues, blended expressions,
head look-at and gestures (Panda3D intervals stepped with `setT`, so video export is deterministic).
"""

from __future__ import annotations

import math
import zlib
from typing import TYPE_CHECKING

from direct.interval.IntervalGlobal import LerpFunc, Sequence, Wait
from panda3d.core import LMatrix4, LQuaternion, NodePath, PandaNode, Vec3

from navigator.avatar import rig
from navigator.avatar.animation import BlinkSchedule, Blend, GlanceSchedule, LipSync, idle_pose, smoothstep
from navigator.errors import UserError

if TYPE_CHECKING:
    from navigator.avatar.stage import AvatarStage

GESTURES = rig.GESTURES
_LOOK_LIMITS = (40.0, 22.0)  # max |heading|, |pitch| of the head+neck, degrees


class Avatar:
    """Handle returned by `AvatarStage.add_avatar`; all methods act at the stage's current time."""

    def __init__(self, stage: "AvatarStage", name: str, root: NodePath, mapping, seed: int,
                 load_warning: str | None = None, builtin: bool = True):
        self.stage = stage
        self.name = name
        self.root = root
        self.mapping = mapping
        self.load_warning = load_warning
        self.builtin = builtin
        self._mirror = -1.0 if abs(mapping.heading % 360 - 180) < 1 else 1.0
        self._blinks = BlinkSchedule(seed=seed)
        self._glances = GlanceSchedule(seed=seed + 100)
        self._speech: list[tuple[float, float]] = []  # stage-time spans of utterances...
        self._moving: list[tuple[float, float]] = []  # ...and of gestures (no idle glances in them)
        self._phase = (zlib.crc32(name.encode("utf-8")) % 100) / 37.0  # idle out of step with others, every run alike
        self._lips = LipSync()
        self._expression = Blend()
        self._look_from = (0.0, 0.0)   # head angles when the last look_at started
        self._look_target = None       # None = straight ahead; re-aimed every frame (moving cameras, avatars)
        self._look_t0, self._look_s = 0.0, 0.0
        self._manual: dict[str, float] = {}
        self._gesture_pose: dict[str, tuple[float, float, float]] = {}
        self._gesture: tuple[object, float] | None = None
        self._sliders: dict[str, NodePath] = {}
        self._bones: dict[str, tuple[NodePath, Vec3, LQuaternion, LQuaternion]] = {}  # node, rest pos/rot, frame
        self._bind_controls()

    # ── binding the model's sliders and joints to control nodes ────────────────
    def _bind_controls(self) -> None:
        characters = self.root.findAllMatches("**/+Character")
        bundles = [c.node().getBundle(0) for c in characters]
        self._bundles = bundles
        slider_names = {s for binds in self.mapping.sliders.values() for s, _ in binds}
        for slider in sorted(slider_names):
            node = NodePath(PandaNode(f"slider:{slider}"))
            if any([bundle.controlJoint(slider, node.node()) for bundle in bundles]):  # every bundle, no short cut
                self._sliders[slider] = node
        parent_rest: dict = {}
        self._rest_positions: dict[str, Vec3] = {}
        for bundle in bundles:
            _rest_frames(bundle, LMatrix4.identMat(), parent_rest, self._rest_positions)
        self._character = characters.getPath(0) if characters.getNumPaths() else None
        for bone, joint_name in self.mapping.bones.items():
            node = NodePath(PandaNode(f"bone:{bone}"))
            rest = None
            for bundle in bundles:
                joint = bundle.findChild(joint_name)
                if joint is not None and rest is None and hasattr(joint, "getDefaultValue"):
                    rest = joint.getDefaultValue()
            if rest is None:
                continue
            node.setMat(rest)
            if any([bundle.controlJoint(joint_name, node.node()) for bundle in bundles]):
                frame = parent_rest.get(joint_name, LQuaternion.identQuat())
                self._bones[bone] = (node, node.getPos(), LQuaternion(node.getQuat()), LQuaternion(frame))

    @property
    def controls(self) -> tuple[str, ...]:
        """Morph controls this model supports (e.g. a, i, u, e, o, blink, happy...)."""
        return tuple(c for c in rig.MORPH_CONTROLS if any(s in self._sliders for s, _ in self.mapping.sliders.get(c, [])))

    @property
    def bones(self) -> tuple[str, ...]:
        return tuple(self._bones)

    @property
    def missing(self) -> list[str]:
        """What this model cannot show (for operators): e.g. ["mouth shapes u, e", "bones leftHand"]."""
        notes = []
        for label, wanted, have in (("mouth shapes", rig.VISEME_CONTROLS, self.controls),
                                    ("blinks", ("blink",), self.controls),
                                    ("expressions", rig.EXPRESSION_CONTROLS, self.controls),
                                    ("bones", rig.BONES, self.bones)):
            absent = [w for w in wanted if w not in have]
            if absent:
                notes.append(f"{label} {', '.join(absent)}")
        return notes

    # ── the public API ─────────────────────────────────────────────────────────
    def play_mouth_cues(self, cues, start_at: float | None = None) -> None:
        """Play voice.lipsync_types.MouthCue items, their times relative to `start_at` (stage seconds)."""
        start = self.stage.time if start_at is None else start_at
        cues = list(cues)
        self._lips.play(cues, start)
        if cues:
            self._remember(self._speech, start + min(c.start_s for c in cues), start + max(c.end_s for c in cues))

    def stop_speaking(self) -> None:
        self._lips.stop()
        if self._speech and self._speech[-1][1] > self.stage.time:  # the rest of it is not spoken
            self._speech[-1] = (self._speech[-1][0], self.stage.time)

    def is_speaking(self) -> bool:
        return self._lips.speaking(self.stage.time)

    def set_expression(self, name: str, weight: float = 1.0, blend_s: float = 0.3) -> None:
        if name not in rig.EXPRESSIONS:
            raise UserError(f"expression {name!r}: use one of {', '.join(rig.EXPRESSIONS)}")
        targets = {} if name == "neutral" else {name: max(0.0, min(1.0, weight))}
        self._expression.go(targets, self.stage.time, blend_s)

    def set_viseme(self, viseme: str | None, weight: float = 1.0) -> None:
        """Hold a mouth shape (a|i|u|e|o) regardless of time, for snapshots; None or "closed" releases it."""
        for v in rig.VISEME_CONTROLS:
            self._manual.pop(v, None)
        if viseme and viseme != "closed":
            if viseme not in rig.VISEME_CONTROLS:
                raise UserError(f"viseme {viseme!r}: use a, i, u, e, o or closed")
            self._manual[viseme] = weight

    def set_blink(self, weight: float | None = 1.0) -> None:
        """Hold the eyes closed by `weight` (0..1); None gives blinking back to the idle schedule."""
        if weight is None:
            self._manual.pop("blink", None)
        else:
            self._manual["blink"] = weight

    def look_at(self, target="visitor", blend_s: float = 0.35) -> None:
        """Turn the head towards "visitor" | "qr" | "left" | "right" | (x, y, z) | another avatar's name."""
        self._look_angles(target)  # checks the target now
        self._look_from = self._look_now(self.stage.time)
        self._look_target, self._look_t0, self._look_s = target, self.stage.time, max(blend_s, 0.0)

    def gesture(self, name: str) -> float:
        """Start a gesture (wave | point | bow | nod) at the stage's current time; returns its duration."""
        if name not in GESTURES:
            raise UserError(f"gesture {name!r}: use one of {', '.join(GESTURES)}")
        interval = self._make_gesture(name)
        self._gesture_pose.clear()
        self._gesture = (interval, self.stage.time)
        self._remember(self._moving, self.stage.time, self.stage.time + interval.getDuration())
        return interval.getDuration()

    def head_position(self) -> Vec3:
        """World position of the head centre (for framing and for others looking at this avatar)."""
        head = self._joint_world("head")
        if head is not None:
            return head + Vec3(0, 0, 0.14 * self._height_scale())
        bounds = self.root.getTightBounds(self.stage.scene)
        if not bounds:
            return Vec3(0, 0, 1.5)
        low, high = bounds
        return Vec3((low.x + high.x) / 2, (low.y + high.y) / 2, high.z - 0.12)

    # ── per-frame update ───────────────────────────────────────────────────────
    def update(self, t: float) -> None:
        values = {c: 0.0 for c in rig.MORPH_CONTROLS}
        for name, w in self._expression.value(t).items():
            values[name] = w
        values["blink"] = self._blinks.closure(t)
        for viseme, w in self._lips.weights(t).items():
            values[viseme] = w
        values.update(self._manual)
        values["blink"] *= 1.0 - 0.5 * values["surprised"]  # wide-open eyes blink less deeply
        mouth = sum(values[v] for v in rig.VISEME_CONTROLS)
        if mouth > 1.0:  # never add two full mouth shapes
            for v in rig.VISEME_CONTROLS:
                values[v] /= mouth
        for e in rig.EXPRESSION_CONTROLS:  # expressions move the mouth too: soften them while it speaks
            values[e] *= 1.0 - 0.35 * min(mouth, 1.0)
        self._apply_morphs(values)
        self._apply_pose(t)
        for bundle in self._bundles:
            bundle.update()

    def _apply_morphs(self, values: dict[str, float]) -> None:
        if "blink" not in self.mapping.sliders:  # models with only one-eye blinks close both for "blink"
            values["blink_l"] = max(values["blink_l"], values["blink"])
            values["blink_r"] = max(values["blink_r"], values["blink"])
        per_slider: dict[str, float] = {}
        for control, value in values.items():
            for slider, weight in self.mapping.sliders.get(control, []):
                per_slider[slider] = per_slider.get(slider, 0.0) + value * weight
        for slider, node in self._sliders.items():
            node.setX(max(0.0, min(1.0, per_slider.get(slider, 0.0))))

    def _apply_pose(self, t: float) -> None:
        pose: dict[str, list[float]] = {b: [0.0, 0.0, 0.0] for b in self._bones}

        def add(bone: str, hpr) -> None:
            if bone in pose:
                for k in range(3):
                    pose[bone][k] += hpr[k]

        for bone, hpr in idle_pose(t, phase=self._phase).items():
            add(bone, hpr)
        h, p = self._look_now(t)
        dh, dp = self._glances.offset(t, self._may_glance)  # now and then a short look aside
        h, p = h + dh, p + dp
        look = {"h": h, "p": p}
        add("neck", (look["h"] * 0.4, -look["p"] * 0.4, 0.0))   # look pitch: + is up; bone pitch: + is down
        add("head", (look["h"] * 0.6, -look["p"] * 0.6, 0.0))
        if self._gesture is not None:
            interval, start = self._gesture
            elapsed = t - start
            if elapsed >= interval.getDuration() or elapsed < 0:
                self._gesture = None
                self._gesture_pose.clear()
            else:
                interval.setT(elapsed)
        for bone, hpr in self._gesture_pose.items():
            add(bone, hpr)
        for bone, (node, pos, rest, frame) in self._bones.items():
            h, p, r = pose[bone]
            delta = LQuaternion()
            delta.setHpr(Vec3(h, p * self._mirror, r * self._mirror))
            # The pose is in the model's axes; turn it into the parent joint's axes (rigs whose rest
            # rotations are not identity, e.g. Mixamo), then apply it after the rest rotation.
            local = frame * delta * _conjugate(frame)
            node.setPosQuat(pos, rest * local)

    # ── look-at and gestures ───────────────────────────────────────────────────
    def _may_glance(self, start: float) -> bool:
        """Glances that would start while talking or during a gesture are skipped (eye contact). The
        decision depends on recorded spans only, so a glance never pops in or out half-way."""
        return not any(begin <= start <= end for begin, end in self._speech + self._moving)

    def _remember(self, spans: list, begin: float, end: float) -> None:
        """Record a span; spans over 10 minutes old are dropped (a kiosk runs for days)."""
        spans.append((begin, end))
        while spans and spans[0][1] < begin - 600.0:
            spans.pop(0)

    def _look_now(self, t: float) -> tuple[float, float]:
        goal = (0.0, 0.0) if self._look_target is None else self._look_angles(self._look_target)
        k = 1.0 if self._look_s <= 0 else smoothstep((t - self._look_t0) / self._look_s)
        return tuple(a + (b - a) * k for a, b in zip(self._look_from, goal))

    def _look_angles(self, target) -> tuple[float, float]:
        if target in ("left", "right", "qr"):
            side = self.stage.qr_side if target == "qr" else target
            sign = 1.0 if side == "right" else -1.0  # screen right = the guide's left
            return 28.0 * sign, -4.0 if target == "qr" else 0.0
        if target == "visitor":
            point = self.stage.camera_position()
        elif isinstance(target, str):
            other = self.stage.avatars.get(target)
            if other is None:
                raise UserError(f"look_at {target!r}: use visitor, qr, left, right, (x, y, z) or an avatar's name")
            point = other.head_position()
        else:
            point = Vec3(*target)
        head = self.head_position()
        local = self.root.getRelativeVector(self.stage.scene, Vec3(point) - head)
        forward = -local.y if self._mirror > 0 else local.y  # models face -Y (VRM 0.x: +Y, turned by heading)
        right = local.x if self._mirror > 0 else -local.x
        h = math.degrees(math.atan2(right, max(forward, 1e-3)))
        p = math.degrees(math.atan2(local.z, math.hypot(local.x, local.y)))
        return max(-_LOOK_LIMITS[0], min(_LOOK_LIMITS[0], h)), max(-_LOOK_LIMITS[1], min(_LOOK_LIMITS[1], p))

    def _pose_lerp(self, duration: float, start: dict, end: dict, blend: str = "easeInOut"):
        bones = set(start) | set(end)

        def apply(k: float) -> None:
            for bone in bones:
                a = start.get(bone, (0.0, 0.0, 0.0))
                b = end.get(bone, (0.0, 0.0, 0.0))
                self._gesture_pose[bone] = tuple(a[i] + (b[i] - a[i]) * k for i in range(3))

        return LerpFunc(apply, fromData=0.0, toData=1.0, duration=duration, blendType=blend)

    def _make_gesture(self, name: str):
        rest: dict = {}
        lerp = self._pose_lerp
        # Signs in this frame: +pitch bends forward/down, +roll raises the right arm outwards (left: -roll).
        if name == "wave":  # right hand up beside the face, forearm swinging
            up = {"rightUpperArm": (0, -20, 40), "rightLowerArm": (0, 0, 118), "rightHand": (0, 0, 0),
                  "head": (0, 0, -5)}
            left = {**up, "rightLowerArm": (0, 0, 135)}
            right = {**up, "rightLowerArm": (0, 0, 100)}
            return Sequence(lerp(0.45, rest, up), lerp(0.22, up, left), lerp(0.3, left, right),
                            lerp(0.3, right, left), lerp(0.3, left, right), lerp(0.22, right, up),
                            lerp(0.5, up, rest), name=f"{self.name}-wave")
        if name == "point":  # the arm on the QR code's screen side points there, the head follows
            arm = "left" if self.stage.qr_side == "right" else "right"
            sign = 1.0 if arm == "left" else -1.0  # +1: towards screen right (+X)
            aim = {f"{arm}UpperArm": (0, -30, -sign * 52), f"{arm}LowerArm": (0, -12, -sign * 8),
                   f"{arm}Hand": (0, 0, 0), "head": (sign * 18, 4, 0), "neck": (sign * 8, 0, 0)}
            return Sequence(lerp(0.5, rest, aim), Wait(1.2), lerp(0.6, aim, rest), name=f"{self.name}-point")
        if name == "bow":
            bow = {"spine": (0, 26, 0), "neck": (0, 2, 0), "head": (0, 5, 0),
                   "leftUpperArm": (0, 6, 0), "rightUpperArm": (0, 6, 0)}
            return Sequence(lerp(0.6, rest, bow), Wait(0.5), lerp(0.7, bow, rest), name=f"{self.name}-bow")
        down = {"head": (0, 13, 0), "neck": (0, 4, 0)}
        return Sequence(lerp(0.18, rest, down), lerp(0.2, down, rest), lerp(0.18, rest, down),
                        lerp(0.24, down, rest), name=f"{self.name}-nod")

    # ── helpers ────────────────────────────────────────────────────────────────
    def _joint_world(self, bone: str) -> Vec3 | None:
        """Stage position of a bone's joint in the rest pose (moves with the avatar, not with its pose)."""
        if bone not in self._bones:
            return None
        position = self._rest_positions.get(self.mapping.bones[bone])
        if position is None or self._character is None:
            return None
        # The rest pose, not the animated one: look-at and framing must not depend on the last frame
        # drawn, or render(t) would differ after a seek.
        return self.stage.scene.getRelativePoint(self._character, position)

    def _height_scale(self) -> float:
        return self.root.getSz(self.stage.scene) or 1.0


def _conjugate(q: LQuaternion) -> LQuaternion:
    return LQuaternion(q.getR(), -q.getI(), -q.getJ(), -q.getK())


def _rest_frames(group, parent_net: LMatrix4, out: dict, positions: dict) -> None:
    """Walk the joint tree: joint name -> rotation of its parent's rest frame in model axes (out),
    and -> the joint's rest position in the Character's space (positions)."""
    net = parent_net
    if hasattr(group, "getDefaultValue") and isinstance(group.getDefaultValue(), LMatrix4):
        rotation = LQuaternion()
        rotation.setFromMatrix(parent_net.getUpper3())
        rotation.normalize()
        out[group.getName()] = rotation
        net = LMatrix4(group.getDefaultValue() * parent_net)
        positions.setdefault(group.getName(), Vec3(net.getRow3(3)))
    for i in range(group.getNumChildren()):
        _rest_frames(group.getChild(i), net, out, positions)
