from falguard.cli import main

raise SystemExit(main())
