"""`make bench`: speed and size of the handbook, measured side by side in one run.

Every headline figure is a ratio against a floor measured in the same run on
the same machine (a bare Pyodide boot, an empty mkdocs-material page, a plain
`mkdocs build`), so a busy machine slows both sides alike. `python -m bench`
writes bench/results.json, prints the table and rewrites it in the README.
"""
