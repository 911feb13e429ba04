"""Notebook execution: parameters, warm-kernel engine, executors (local, dask), cache and manifest."""
