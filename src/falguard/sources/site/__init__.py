"""A deployed site (``falguard probe URL``), read the way a browser reads it, within bounds:
one origin only, GET only, every request, byte and second counted.

- ``http``: the client bound to the origin the user named (TLS verified, same-origin
  redirects only, bodies cut at their bound, gzip decoded within it);
- ``discover``: what a page, a script or a source map names (scripts, chunk lists, source
  maps and their ``sourcesContent``, ``proxyUrl`` values), pure;
- ``source``: :class:`~falguard.sources.site.source.SiteSource`, the site as items whose
  path is the URL that served them.

Nothing here runs unless the user runs ``falguard probe``. The modules import only the
root's values, :mod:`falguard.sources` and the standard library (urllib3 when a client is
made); the proxy check, which asks a live route one question, is
:mod:`falguard.browser.proxycheck`.
"""
