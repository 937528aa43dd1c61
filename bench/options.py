"""The benchmarks' command line: ``--tiny`` gives each script the smallest run that still goes
through every step it measures, the one the test suite runs (tests/bench/) so that a script
that no longer works is noticed the day it breaks, not on the next full run."""

import argparse


def parse(parser: argparse.ArgumentParser, tiny: dict[str, object]) -> argparse.Namespace:
    """The options, with ``tiny``'s values as the defaults under ``--tiny`` (an option given
    on the command line still wins)."""
    parser.add_argument(
        "--tiny",
        action="store_true",
        help="the smallest run that still goes through every step (what the tests run): "
        + ", ".join(f"--{name.replace('_', '-')} {value}" for name, value in tiny.items()),
    )
    if parser.parse_known_args()[0].tiny:
        parser.set_defaults(**tiny)
    return parser.parse_args()
