"""`make bench` runs the full sizes, which no test runs: they must name every figure the quick ones do."""

from bench.__main__ import SIZES


def test_full_and_quick_sizes_name_the_same_figures() -> None:
    assert SIZES["full"].keys() == SIZES["quick"].keys()
