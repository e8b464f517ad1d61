"""The `clusterbridge` command line: the composition root above `knowledge`, `ingest` and `bot`.

Nothing imports this package; it imports the three layers and wires them to settings.
"""
