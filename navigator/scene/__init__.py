"""Scene mode: PR scenes written as TOML, previewed live, rendered to MP4, played by the kiosk when idle."""
