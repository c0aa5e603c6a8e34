"""Screen and rendering: can Qt start, which Panda3D pipe renders (and how fast), Japanese fonts.

Qt and Panda3D are probed in subprocesses with a timeout: a missing display makes Qt abort and a
broken GL driver can hang, and neither may take the doctor down with it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

from navigator.ops.doctor.base import FAIL, OK, WARN, Check, Context, last_line

NO_DISPLAY_FIX = "no display: set DISPLAY / connect a screen; or QT_QPA_PLATFORM=offscreen for tests"
MIN_FPS = 15.0
FRAMES = 30

_PANDA_PROBE = textwrap.dedent("""
import json, sys, time
renderer, width, height, frames = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
result = {"renderer": renderer}
try:
    from navigator.avatar.stage import AvatarStage
    stage = AvatarStage((width, height), renderer=renderer)
    stage.render()
    started = time.perf_counter()
    for _ in range(frames):
        stage.render()
    result.update(fps=frames / (time.perf_counter() - started), pipe=str(getattr(stage, "renderer", renderer)),
                  scene="avatar stage")
except Exception as exc:
    result["avatar_stage"] = f"{type(exc).__name__}: {exc}"[:200]
    from panda3d.core import CardMaker, loadPrcFileData
    display = {"tinydisplay": "p3tinydisplay", "egl": "p3headlessgl"}[renderer]
    loadPrcFileData("", f"window-type offscreen\\nload-display {display}\\naudio-library-name null\\n"
                        f"win-size {width} {height}\\nframebuffer-multisample 0\\nnotify-level error\\n")
    from direct.showbase.ShowBase import ShowBase
    base = ShowBase(windowType="offscreen")
    maker = CardMaker("card")
    maker.setFrame(-1, 1, -1, 1)
    for i in range(8):
        card = base.render.attachNewNode(maker.generate())
        card.setPos(i - 4, 12, 0)
        card.setColor(0.1 * i, 0.5, 0.8, 1)
    base.graphicsEngine.renderFrame()
    started = time.perf_counter()
    for _ in range(frames):
        base.graphicsEngine.renderFrame()
    result.update(fps=frames / (time.perf_counter() - started), pipe=base.pipe.getInterfaceName() + " / " +
                  base.win.getGsg().getDriverRenderer(), scene="test cards")
print("PROBE " + json.dumps(result))
""")


def qt(ctx: Context) -> Check:
    from navigator.display import has_display_hint, probe_display

    if not has_display_hint(ctx.environ):
        return Check("display: Qt window", WARN, "no display (DISPLAY and WAYLAND_DISPLAY are not set)", NO_DISPLAY_FIX)
    probe = probe_display(ctx.environ)
    if probe.timed_out:
        return Check("display: Qt window", FAIL, "Qt did not start within 30 s", NO_DISPLAY_FIX)
    if not probe.ok:
        reason = probe.problem.lower()
        fix = (NO_DISPLAY_FIX if "display" in reason.split("(", 1)[-1] or "xcb" in reason
               else "apt-get install libegl1 libxkbcommon0 libxcb-cursor0 (scripts/system-packages.txt)")
        return Check("display: Qt window", FAIL, probe.problem, fix)
    if probe.platform == "offscreen":
        return Check("display: Qt window", OK, "offscreen platform (no screen is shown: for tests and headless checks)",
                     data={"platform": probe.platform})
    width, height = probe.screen
    return Check("display: Qt window", OK, f"{probe.platform}, screen {width}x{height}",
                 data={"platform": probe.platform, "screen": [width, height]})


def renderer(ctx: Context, size: tuple[int, int] = (1280, 720)) -> Check:
    results, problems = [], []
    for name in ("tinydisplay", "egl"):
        if ctx.quick and results:
            break
        try:
            probe = subprocess.run([sys.executable, "-c", _PANDA_PROBE, name, str(size[0]), str(size[1]), str(FRAMES)],
                                   capture_output=True, text=True, timeout=60, env=ctx.environ)
        except subprocess.TimeoutExpired:
            problems.append(f"{name}: no frame within 60 s")
            continue
        line = next((l for l in probe.stdout.splitlines() if l.startswith("PROBE ")), None)
        if probe.returncode != 0 or line is None:
            problems.append(f"{name}: {last_line(probe.stderr) or 'exit code ' + str(probe.returncode)}"[:160])
            continue
        results.append(json.loads(line[6:]))
    data = {"pipes": results, "problems": problems, "size": list(size)}
    if not results:
        return Check("display: 3D renderer", FAIL, "no Panda3D pipe renders: " + "; ".join(problems),
                     "reinstall panda3d in the kiosk's venv; for EGL: apt-get install libegl1 libgl1", data)
    best = max(results, key=lambda r: r["fps"])
    text = ", ".join(f"{r['renderer']}{'' if r['pipe'] in (r['renderer'], '') or '/' in r['pipe'] else ' (fell back to ' + r['pipe'] + ')'}"
                     f" {r['fps']:.0f} fps" for r in results)
    detail = f"{text} at {size[0]}x{size[1]} ({best['scene']})" + (f"; {problems[0]}" if problems else "")
    if best["fps"] < MIN_FPS:
        return Check("display: 3D renderer", WARN, detail, "the avatar will stutter: use [display] renderer \"egl\" "
                     "with a GPU, or a smaller window", data)
    return Check("display: 3D renderer", OK, detail, data=data)


def fonts(ctx: Context) -> Check:
    fix = "apt-get install fonts-noto-cjk"
    if not shutil.which("fc-list"):
        return Check("fonts: Japanese", WARN, "fc-list not found: cannot list fonts", "apt-get install fontconfig; " + fix)
    try:
        out = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check("fonts: Japanese", WARN, f"fc-list failed: {exc}", fix)
    families = sorted({name.split(",")[0].strip() for name in out.splitlines() if name.strip()})
    if not families:
        return Check("fonts: Japanese", FAIL, "no font with Japanese glyphs: text would show as boxes", fix)
    preferred = [f for f in families if "Noto Sans CJK JP" in f]
    shown = preferred[0] if preferred else families[0]
    return Check("fonts: Japanese", OK, f"{shown} ({len(families)} Japanese families)",
                 data={"families": families[:20]})
