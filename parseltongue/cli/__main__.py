"""`python -m parseltongue.cli`: the `parseltongue` command."""

from parseltongue.cli import main

main()
