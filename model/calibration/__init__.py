"""Learning from resolved questions how far the ratings can be trusted (PyMC); the only package that imports PyMC, PyTensor, ArviZ or JAX, and only when a command samples."""
