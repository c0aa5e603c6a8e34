"""Machida city-hall AI navigator: catalog-grounded answers, voice, avatar and kiosk shell."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
