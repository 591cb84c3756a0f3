"""Debian's Chromium as the browser tests and the studio bench start it: headless, with
nothing that reaches for the network (this machine's closed network refuses such calls)."""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
