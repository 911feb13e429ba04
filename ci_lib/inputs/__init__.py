"""Stage 1, inputs: the year's params, the packaged rubrics, the data contract, loaders and importers."""
