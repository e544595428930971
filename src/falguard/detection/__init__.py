"""Detection: bytes in, findings out. The rules' engine (:mod:`.detect`), the keyword prefilter,
the one-pass finder, positions, suppression, the baseline, and the finding values (:mod:`.facts`).

Pure: no git, no network, no terminal. May import the shared values (``falguard.models``,
``falguard.config``, ``falguard.errors``, ``falguard.output``) and :mod:`falguard.rules`.
"""
