"""The built-in renderer's page export: the notebook is validated twice, not after each of a dozen
preprocessors, and nbconvert's default preprocessors would change no page of the kit."""

from __future__ import annotations

import nbformat
from nbconvert import HTMLExporter

from ci_lib.site.builtin import PageExporter, export_body, exporter


def test_pages_are_validated_twice_and_exported_as_with_nbconvert_default_preprocessors(copy_small_run, monkeypatch):
    report_dir = copy_small_run.report_dir
    stock = PageExporter(template_name="basic", default_preprocessors=HTMLExporter().default_preprocessors)
    for setting in ("exclude_input", "exclude_input_prompt", "exclude_output_prompt", "exclude_raw"):
        setattr(stock, setting, True)
    ours = exporter()
    validations: list[int] = []
    validate = nbformat.validate
    monkeypatch.setattr(nbformat, "validate", lambda *a, **k: validations.append(1) or validate(*a, **k))
    notebooks = [report_dir / "index.ipynb", *sorted((report_dir / "communities").glob("*.ipynb"))]
    assert len(notebooks) == 6
    for notebook in notebooks:
        data = notebook.read_bytes()
        validations.clear()
        body = export_body(ours, data)
        # when it is read, and after the one preprocessor the basic template registers itself (a disabled
        # CSS header)
        assert len(validations) == 2, notebook.name
        assert body == export_body(stock, data), notebook.name
        assert len(validations) - 2 > 10  # nbconvert's default list: after each of its preprocessors, disabled or not
