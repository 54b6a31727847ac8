"""Entry point for `python -m matcher`."""

from .cli import main

main()
