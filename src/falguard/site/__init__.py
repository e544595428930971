"""A deployed site, read the way a browser reads it, within bounds: one origin only, GET
only, every request, byte and second counted.

- ``http``: the client bound to the origin the user named (TLS verified, same-origin
  redirects only, bodies cut at their bound, gzip decoded within it);
- ``discover``: what a page, a script or a source map names (scripts, chunk lists, source
  maps and their ``sourcesContent``, ``proxyUrl`` values), pure;
- ``proxycheck``: the one harmless question asked of a fal proxy route, and what its
  answer means.

Nothing here runs unless the user runs ``falguard probe``. This package imports only
``falguard.errors`` and the standard library (urllib3 when a client is made); the source
that turns a site into items is ``falguard.sources.site``.
"""
