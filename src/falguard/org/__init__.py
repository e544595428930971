"""Organisation audits: many repositories in one run.

``repos`` reads the list (a file, or a GitHub organisation through ``github``), ``mirror``
keeps a bare mirror of each in the cache, ``cache`` remembers each result by the mirror's
ref tips, and ``run`` audits them in parallel; ``report/merge.py`` combines the results.

May import the shared values, :mod:`falguard.git`, :mod:`falguard.detection`,
:mod:`falguard.report` and :mod:`falguard.scans`.
"""
