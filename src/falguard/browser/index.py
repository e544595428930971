"""What a scan saw: every path, and the content of the files browser analysis reads."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from falguard.browser.framework import SourceFile
from falguard.browser.frameworks import registry
from falguard.detection.detect import keyword_hits
from falguard.envhygiene.envfiles import is_env_file
from falguard.rules import FAL_CONTEXT_RE
from falguard.sources import Item


@dataclass
class ProjectIndex:
    """Every path a scan covered, and the content of the files browser analysis reads."""

    paths: list[str] = field(default_factory=list)
    files: dict[str, SourceFile] = field(default_factory=dict)

    def watch(self, items: Iterable[Item]) -> Iterator[Item]:
        """Pass items through unchanged, remembering what analysis needs."""
        for item in items:
            self.add(item)
            yield item

    def add(self, item: Item) -> None:
        """Keep project files (package.json, framework configs), and code and env files that mention fal."""
        path = item.origin.path
        self.paths.append(path)
        if item.origin.served or "/node_modules/" in "/" + path:
            return  # served files are judged by their findings alone
        known = registry()
        name = posixpath.basename(path)
        keep = name == "package.json" or name.startswith(known.config_stems)
        if not keep and (name.endswith(known.code_suffixes) or is_env_file(path)):
            keep = bool(keyword_hits(item.content, FAL_CONTEXT_RE, first_only=True))
            keep = keep or any(  # a file that hydrates components (Astro islands)
                name.endswith(kind.suffix) and kind.marker in item.content for kind in known.file_formats
            )
        if keep:
            self.files[path] = SourceFile(path, item.content, item.origin.ignored_env)
