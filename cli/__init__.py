"""The `petition` command (`cli.main:main`): it composes web, storage and bot, so it sits above them all."""
