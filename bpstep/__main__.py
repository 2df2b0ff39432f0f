"""``python -m bpstep`` runs the command line."""

from bpstep.cli import main

raise SystemExit(main())
