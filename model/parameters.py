"""Which parameter draws a workspace's forecasts use.

The core uses theta at face value. (Saved calibrations and prior draws slot in here.)
"""

from __future__ import annotations

from model.forecast import Parameters
from model.workspace import Workspace


def workspace_parameters(workspace: Workspace) -> Parameters:
    """The parameters forecasts in ``workspace`` are computed with."""
    return Parameters.face_value()
