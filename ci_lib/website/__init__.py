"""The published site: Quarto project, built-in renderer, audit."""
