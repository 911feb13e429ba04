"""What the cycle's commands start from: a year's params and the data directory they name."""

from __future__ import annotations

from pathlib import Path

from ci_lib.errors import KitError
from ci_lib.inputs.parameters import YearParams, data_dir_for, load_params


def year_params_and_data(year: int, params_root: str | Path = "params", data: str | None = None) -> tuple[YearParams, str]:
    """The year's params and its data directory (`data` when given, else `data:` of network.yml)."""
    params = load_params(year, params_root)
    data_dir = data or data_dir_for(params.data, params_root)
    if not data_dir:
        raise KitError(f"{Path(params_root) / str(year) / 'network.yml'}: no `data:`; pass --data DIR")
    return params, data_dir
