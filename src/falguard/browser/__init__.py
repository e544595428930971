"""Browser exposure: what code runs in the browser, what bundlers inline, and the chain from
an env file to the bundle users download.

This is project-level analysis over the files of one scan. A :class:`ProjectIndex` watches
the scan's items go by and keeps what can matter (project files such as ``package.json``
and framework configs, and code and env files that mention fal); :func:`analyse` then finds

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

May import the shared values, :mod:`falguard.detection`, :mod:`falguard.rules`,
:mod:`falguard.sources` and :mod:`falguard.envhygiene`.
"""

from __future__ import annotations

from falguard.browser.analysis import analyse
from falguard.browser.clientcode import browser_context, browser_files, browser_spans
from falguard.browser.configs import config_blob_findings
from falguard.browser.framework import Framework, Inlining, SourceFile
from falguard.browser.frameworks.astro import astro_islands, astro_scripts
from falguard.browser.frameworks.nuxt import nuxt_env_name
from falguard.browser.index import ProjectIndex
from falguard.browser.js import object_entries, scan_to
from falguard.browser.names import is_fal_key_name, is_key_value
from falguard.browser.projects import Project, find_projects, project_of
from falguard.browser.proxy import has_proxy, suggested_route

__all__ = [
    "Framework",
    "Inlining",
    "Project",
    "ProjectIndex",
    "SourceFile",
    "analyse",
    "astro_islands",
    "astro_scripts",
    "browser_context",
    "browser_files",
    "browser_spans",
    "config_blob_findings",
    "find_projects",
    "has_proxy",
    "is_fal_key_name",
    "is_key_value",
    "nuxt_env_name",
    "object_entries",
    "project_of",
    "scan_to",
    "suggested_route",
]
