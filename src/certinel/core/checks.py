"""The tag of the project's own system checks of its settings (the public address, …).

Commands people run often (`certinel import`, `log`, `export` …) run only these at their
start: the whole project's checks (its URLs, its models) took about a second each time.
`certinel check`, `serve` and `migrate` run them all."""

SETTINGS_CHECKS = "certinel_settings"
