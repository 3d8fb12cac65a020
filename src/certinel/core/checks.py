"""The project's own system checks of its settings (the public address, …), and the checks
the commands people run often run at their start.

Those commands (`certinel import`, `load`, `log`, `export` …) set `requires_system_checks =
SETTINGS_ONLY`: the whole project's checks (its URLs, its models) took about a second at each
run. `certinel check`, `serve` and `migrate` run them all."""

# The tag of the project's checks of its settings.
SETTINGS_CHECKS = "certinel_settings"
SETTINGS_ONLY = [SETTINGS_CHECKS]
