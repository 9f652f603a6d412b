"""`python -m cli ...`: the `petition` command from a checkout, without the console script."""

from cli.main import main

main()
