"""The avatar's controls: morph (face) controls and humanoid bones, and the names models use for them.

Pure Python (no Panda3D): the loader maps a model's morph/bone names onto these controls, the
controller drives only these controls, so every avatar (built-in, GLB, VRM 0.x/1.0) moves the same way.
"""

from __future__ import annotations

import re

VISEME_CONTROLS = ("a", "i", "u", "e", "o")
BLINK_CONTROLS = ("blink", "blink_l", "blink_r")
EXPRESSION_CONTROLS = ("happy", "sad", "surprised")
MORPH_CONTROLS = VISEME_CONTROLS + BLINK_CONTROLS + EXPRESSION_CONTROLS
EXPRESSIONS = ("neutral",) + EXPRESSION_CONTROLS

GESTURES = ("wave", "point", "bow", "nod")
# How long each gesture plays, seconds (pure Python, for timelines that must not import Panda3D;
# tests/test_avatar.py checks the controller's intervals against it).
GESTURE_SECONDS = {"wave": 2.29, "point": 2.3, "bow": 1.8, "nod": 0.8}

BONES = ("hips", "spine", "neck", "head", "leftUpperArm", "leftLowerArm", "leftHand",
         "rightUpperArm", "rightLowerArm", "rightHand")

# VRM 0.x blendShapeMaster presetName -> control.
VRM0_PRESETS = {"a": "a", "i": "i", "u": "u", "e": "e", "o": "o", "blink": "blink", "blink_l": "blink_l",
                "blink_r": "blink_r", "joy": "happy", "sorrow": "sad", "surprised": "surprised"}
VRM0_FALLBACK = {"fun": "happy"}  # used only when the model has no "joy"
# VRM 1.0 expressions.preset name -> control.
VRM1_PRESETS = {"aa": "a", "ih": "i", "ou": "u", "ee": "e", "oh": "o", "blink": "blink", "blinkLeft": "blink_l",
                "blinkRight": "blink_r", "happy": "happy", "sad": "sad", "surprised": "surprised"}

# Morph names seen in the wild (VRoid/UniVRM, VRChat, ARKit-ish, Blender), normalised by _key().
_MORPH_ALIASES = {
    "a": ["a", "aa", "fclmtha", "vrcvaa", "visemeaa", "visemea", "moutha", "mtha", "あ"],
    "i": ["i", "ih", "fclmthi", "vrcvih", "visemeih", "visemei", "mouthi", "mthi", "い"],
    "u": ["u", "ou", "fclmthu", "vrcvou", "visemeou", "visemeu", "mouthu", "mthu", "う"],
    "e": ["e", "ee", "fclmthe", "vrcve", "visemeee", "visemee", "mouthe", "mthe", "え"],
    "o": ["o", "oh", "fclmtho", "vrcvoh", "visemeoh", "visemeo", "moutho", "mtho", "お"],
    "blink": ["blink", "fcleyeclose", "eyeclose", "eyesclosed", "blinkboth", "まばたき"],
    "blink_l": ["blinkl", "blinkleft", "fcleyeclosel", "eyeblinkleft", "eyeclosel", "ウィンク"],
    "blink_r": ["blinkr", "blinkright", "fcleyecloser", "eyeblinkright", "eyecloser", "ウィンク右"],
    "happy": ["happy", "joy", "fclalljoy", "smile", "笑い"],
    "sad": ["sad", "sorrow", "fclallsorrow", "悲しい"],
    "surprised": ["surprised", "surprise", "fclallsurprised", "驚き"],
}
_BONE_ALIASES = {
    "hips": ["hips", "hip", "pelvis", "jbipchips", "mixamorighips"],
    "spine": ["spine", "jbipcspine", "mixamorigspine", "spine1"],
    "neck": ["neck", "jbipcneck", "mixamorigneck"],
    "head": ["head", "jbipchead", "mixamorighead"],
    "leftUpperArm": ["leftupperarm", "upperarml", "lupperarm", "jbiplupperarm", "mixamorigleftarm", "leftarm", "arml"],
    "leftLowerArm": ["leftlowerarm", "lowerarml", "llowerarm", "jbipllowerarm", "mixamorigleftforearm",
                     "leftforearm", "forearml"],
    "leftHand": ["lefthand", "handl", "lhand", "jbiplhand", "mixamoriglefthand"],
    "rightUpperArm": ["rightupperarm", "upperarmr", "rupperarm", "jbiprupperarm", "mixamorigrightarm", "rightarm",
                      "armr"],
    "rightLowerArm": ["rightlowerarm", "lowerarmr", "rlowerarm", "jbiprlowerarm", "mixamorigrightforearm",
                      "rightforearm", "forearmr"],
    "rightHand": ["righthand", "handr", "rhand", "jbiprhand", "mixamorigrighthand"],
}


def _key(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.lower())


_MORPH_BY_KEY = {_key(alias): control for control, aliases in _MORPH_ALIASES.items() for alias in aliases}
_BONE_BY_KEY = {_key(alias): bone for bone, aliases in _BONE_ALIASES.items() for alias in aliases}


def morph_control(name: str) -> str | None:
    """The control a morph target name stands for ("Fcl_MTH_A" -> "a"), or None."""
    key = _key(name)
    if key in _MORPH_BY_KEY:
        return _MORPH_BY_KEY[key]
    for prefix in ("blendshape1", "blendshape", "facial", "face", "mouth", "eye"):
        if key.startswith(prefix) and key[len(prefix):] in _MORPH_BY_KEY:
            return _MORPH_BY_KEY[key[len(prefix):]]
    return None


def bone_control(name: str) -> str | None:
    """The humanoid bone a joint name stands for ("J_Bip_C_Head" -> "head"), or None."""
    return _BONE_BY_KEY.get(_key(name))
