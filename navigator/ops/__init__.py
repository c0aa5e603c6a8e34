"""Operations: logs with a personal-data filter, anonymous usage counts, the systemd watchdog,
config reloading and `navigator doctor`. No Qt or Panda3D here (probes run them in subprocesses)."""
