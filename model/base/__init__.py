"""The ground floor: errors, the date rule, limits, safe writes, terminal-safe text, numbers as text. Imports nothing else from the project."""
