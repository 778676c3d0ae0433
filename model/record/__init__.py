"""The track record: the append-only forecast log, publishing, imports, and scoring what was said against what happened."""
