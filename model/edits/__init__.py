"""Changing question files: tagging evidence, indicators, resolutions and new questions, each edit one transaction."""
