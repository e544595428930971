"""Env hygiene: env files in the tree and in history, ``.gitignore`` coverage, and ``falguard fix``.

May import the shared values, :mod:`falguard.detection`, :mod:`falguard.rules`,
:mod:`falguard.git` and :mod:`falguard.sources`; never the scans, reports or the CLI.
"""
