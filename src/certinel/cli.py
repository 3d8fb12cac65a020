"""The one command-line entry point: `certinel <command> …`.

Every Django management command is available (`certinel migrate`, `certinel createsuperuser`),
together with Certinel's own: demo, serve, validate, reference, and the others listed by
`certinel help`. Settings default to development; deployments set DJANGO_SETTINGS_MODULE to
`certinel.settings.prod` (see README)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certinel.settings.dev")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["certinel", *argv])
    args[0] = "certinel"
    if args[1:] == ["secrets"]:
        # A new deployment's secrets come from here, before it has any; the production settings
        # refuse to load without them, and this command needs no settings.
        from certinel.core.management.commands.secrets import Command

        Command().handle()
        return
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
