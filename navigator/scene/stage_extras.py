"""What a scene adds to the avatar stage beyond the avatar API: a glTF environment and light colours.

Panda3D is used here directly (scene rendering may; see the layering rules) on the stage's own
scene graph (`stage.scene`); a stage without one gets a warning instead of an environment.
"""

from __future__ import annotations

from navigator.scene.messages import message
from navigator.scene.model import LoadedScene, Stage


def _colour(hex_colour: str):
    from panda3d.core import Vec4

    value = hex_colour.lstrip("#")
    return Vec4(*(int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)), 1)


def add_environment(stage, loaded: LoadedScene) -> list[str]:
    """Load [stage] environment (a .glb/.gltf set) around the cast; warnings instead of exceptions."""
    name = loaded.scene.stage.environment
    root = getattr(stage, "scene", None)
    if not name:
        return []
    path = loaded.asset(name)
    if root is None:
        return [f"{loaded.path}: {message(loaded.lang, 'environment_failed', path=name, reason='stage has no scene graph')}"]
    try:
        import gltf

        model = gltf.load_model(str(path))
    except Exception as exc:  # a broken file must not stop the scene: it plays on the background
        return [f"{loaded.path}: {message(loaded.lang, 'environment_failed', path=name, reason=exc)}"]
    from panda3d.core import NodePath

    node = model if isinstance(model, NodePath) else NodePath(model)
    node.reparentTo(root)
    return []


def add_lights(stage, stage_def: Stage) -> None:
    """Recolour the stage's key (directional) and ambient lights when the scene names colours."""
    root = getattr(stage, "scene", None)
    if root is None:
        return
    for kind, colour in (("+DirectionalLight", stage_def.key_light), ("+AmbientLight", stage_def.ambient_light)):
        if not colour:
            continue
        found = root.findAllMatches(f"**/{kind}")
        if found.getNumPaths():
            found.getPath(0).node().setColor(_colour(colour))
