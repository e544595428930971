"""The scans: which source goes with which analysers, through the one pipeline
(:mod:`.pipeline`): working tree, staged and pushed changes (:mod:`.scan`), history
(:mod:`.historyscan`), the audit (:mod:`.audit`), and their progress display.

The top of the library: may import every package below it; only the CLI, the hooks and
the organisation audit import it.
"""
