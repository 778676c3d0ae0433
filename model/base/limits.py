"""The size limits every file must keep to, in one place (docs/format.md, "Limits").

They are far above what real use needs, and low enough that every command on a
file ``vane check`` accepts stays within about 2 GB of memory and 30 seconds
(``benchmarks/limits.py`` measures the largest files they allow). Loading
enforces them, so ``vane check`` reports a file beyond a limit as
``path:line: message`` and every other command refuses it the same way.

This module sits at the bottom of the package and imports nothing else from it.
"""

from __future__ import annotations

MAX_FILE_BYTES = 1024 * 1024
"""Size of one file. Reading and checking cost about 1 to 2 s per MiB, but an edit that has to go
through the full YAML round trip (a list written in flow style) about 15 s per MiB."""


MAX_DEPTH = 16
"""Nesting of mappings and lists in one file."""


MAX_SCENARIOS = 50
"""Scenarios of one question (also bounds every mapping keyed by scenario)."""


MAX_ENTRIES = 10_000
"""Evidence items and indicators of one question, together (each indicator may add an item)."""


ENGINE_BLOCK_CELLS = 2_000_000
"""Numbers (8 bytes each) in any one array the engine builds at once: it works
through dates, stories and draws in blocks of this size, so memory does not grow
with draws x dates x items."""
