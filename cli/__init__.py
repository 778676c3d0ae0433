"""The ``vane`` command line: thin commands over the ``model`` library."""
