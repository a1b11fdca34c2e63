"""bench/RESULTS.md is the index of every benchmark's figures: bench/api.py
rewrites it whole on each run, and each other benchmark adds its link to it
again after writing its own RESULTS-<name>.md."""

from __future__ import annotations

from pathlib import Path

INDEX = Path(__file__).resolve().parent / "RESULTS.md"


def link_from_index(results: Path, title: str, about: str, index: Path = INDEX) -> None:
    """Add a section ``title`` linking ``results`` to the index, unless it has one."""
    text = index.read_text() if index.exists() else ""
    if f"]({results.name})" in text:
        return
    index.write_text(text.rstrip("\n") + f"\n\n## {title}\n\nSee [{results.name}]"
                                         f"({results.name}), {about}\n")
