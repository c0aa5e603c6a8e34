"""The kiosk's voice library: audio I/O, VAD, STT, TTS, lip-sync and the voice pipeline.

Pure Python plus its engines: never imports Qt, Panda3D or `navigator`.
"""
