"""Stage 4, pages: what a notebook shows (community page, network page, explorer, figures, markup)."""
