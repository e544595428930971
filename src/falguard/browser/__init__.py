"""Browser exposure: what code runs in the browser, what bundlers inline, and the chain from
an env file to the bundle users download.

This is project-level analysis over the files of one scan. A :class:`.index.ProjectIndex`
watches the scan's items go by and keeps what can matter (project files such as ``package.json``
and framework configs, and code and env files that mention fal); :func:`.analysis.analyse` then
finds

- ``client-credentials``: ``fal.config({ credentials })`` / ``createFalClient({ credentials })``
  in browser code with a literal key, a public variable or an env read a bundler inlines,
  and bundler configs that inline a fal key;
- ``fal-proxy-missing``: browser code calling fal with no ``proxyUrl`` and no proxy route;
- ``public-fal-key`` findings under a project's own public prefixes;

and links findings about the same variable or key into one chain. Pure: no I/O, no git;
the one exception is ``proxycheck``, which asks a deployed proxy route one costless question
through the site source's client, and runs only for ``falguard probe``.

What each framework means for this (which files run in the browser, what its configs
inline, where its proxy route lives, how to fix a leak) is in one module per framework
under :mod:`falguard.browser.frameworks`, behind :class:`~falguard.browser.framework.Framework`;
the modules here are framework-neutral.

Import what you need from its modules: this package imports none of them, so reading the
served-directory registry (:mod:`.frameworks`) loads no analysis. May import the shared values,
:mod:`falguard.detection`, :mod:`falguard.rules`, :mod:`falguard.sources` and :mod:`falguard.envhygiene`.
"""
