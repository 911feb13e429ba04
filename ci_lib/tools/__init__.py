"""Tools around the pipeline: the demo network, JupyterLab, the environment doctor, doc generation."""
