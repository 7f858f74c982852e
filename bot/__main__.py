"""``python -m bot``: the same as the ``yanxiu`` command."""

from bot.cli import main

raise SystemExit(main())
