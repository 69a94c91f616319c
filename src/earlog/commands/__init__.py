"""Subcommands of the `earlog` CLI, one module per family; each registers on `app`."""
