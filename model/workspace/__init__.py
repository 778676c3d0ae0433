"""A workspace on disk: its folders, its files and ids, and loading everything in it with every problem found."""
