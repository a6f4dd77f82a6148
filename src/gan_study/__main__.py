"""Allow ``python -m gan_study``."""

from gan_study.cli import main

raise SystemExit(main())
