"""Build code: loads and validates content/, renders pages, packs the calculators
and the Pyodide runtime into the site. Everything that touches MkDocs' plugin
API is in `mkdocs_hook.py`; the rest is plain Python that tests import."""
