"""Tools around the pipeline: the demo network, scaffolding, JupyterLab, the environment doctor, doc generation."""
