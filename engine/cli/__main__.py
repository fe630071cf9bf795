"""``python -m engine.cli``: the same as the ``corridor`` console script."""

from engine.cli import main

raise SystemExit(main())
