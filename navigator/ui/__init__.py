"""The kiosk window (PySide6): the only package that imports Qt.

Logic lives elsewhere (navigator.brain, voice, navigator.avatar); this package shows it,
takes touches and typing, and hands slow work to `background.py`.
"""
