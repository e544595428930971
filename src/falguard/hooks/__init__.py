"""Git hooks: the pre-commit and pre-push hooks' scan (:mod:`.hook`), a git server's pre-receive
hook (:mod:`.prereceive`) and its policy (:mod:`.policy`), and their installer (:mod:`.install`).

May import the shared values, :mod:`falguard.git`, :mod:`falguard.sources` and :mod:`falguard.scans`;
never the CLI (which calls them) or the reports.
"""
