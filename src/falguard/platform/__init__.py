"""fal's Platform API and what uses it: the API client (:mod:`.falapi`), key verification
(:mod:`.verify`) and rotation and revocation (:mod:`.rotate`).

The only network code in falguard, imported only by the commands that ask for it. May import
the shared values, :mod:`falguard.rules`, :mod:`falguard.git` and :mod:`falguard.report`.
"""
