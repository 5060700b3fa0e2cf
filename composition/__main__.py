"""`python -m composition serve ...`."""

from composition.cli import main

raise SystemExit(main())
