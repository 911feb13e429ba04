"""The `ci-warm` papermill engine (registered by `ci_lib.execute.engine`): executes on a given warm kernel."""

from __future__ import annotations

from typing import Any

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import Engine
from papermill.log import logger

from ci_lib import compat


class WarmEngine(Engine):
    """papermill engine executing on the kernel of the `WarmKernel` passed as `warm_kernel=`."""

    @classmethod
    def execute_notebook(cls, nb: Any, kernel_name: str, warm_kernel: Any = None, **kwargs: Any) -> Any:
        """Keep the executed notebook on the kernel: papermill adds its error cell to it, then raises."""
        executed = super().execute_notebook(nb, kernel_name, warm_kernel=warm_kernel, **kwargs)
        if warm_kernel is not None:
            warm_kernel.executed = executed
        return executed

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                 start_timeout: int = 60, execution_timeout: int | None = None,
                                 warm_kernel: Any = None, **kwargs: Any) -> Any:
        if warm_kernel is None:
            raise ValueError("the ci-warm engine needs warm_kernel=")
        client = PapermillNotebookClient(nb_man, km=warm_kernel.km, timeout=execution_timeout,
                                         startup_timeout=start_timeout, kernel_name=kernel_name, log=logger,
                                         log_output=log_output)
        warm_kernel.executed = nb_man.nb  # filled in place cell by cell: what ran so far, should the kernel die
        with compat.reuse_kernel_client(client, warm_kernel.kc):
            return client.execute()
