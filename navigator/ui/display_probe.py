"""`python -m navigator.ui.display_probe`: can Qt open the display? Prints `PLATFORM WIDTH HEIGHT`.

Run in a child process (navigator.display.probe_display): a Qt that cannot reach the display
aborts the whole process, and the caller must survive that.
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QGuiApplication


def main() -> int:
    app = QGuiApplication(sys.argv[:1])
    screen = app.primaryScreen()
    size = screen.size() if screen else None
    print(app.platformName(), size.width() if size else 0, size.height() if size else 0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
