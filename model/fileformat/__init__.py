"""The files a person writes: question files (one module per record), vane.yaml, source records, the forecast log's lines; YAML read safely and written back with the layout kept."""
