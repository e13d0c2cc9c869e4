"""l2e.results: tools rewrite only the RESULTS.md blocks they measured anew."""

import pytest

from l2e.results import markers, percent, replace_block, write_blocks

TEXT = """# Results

intro

<!-- LTE:BEGIN -->
## LTE

<!-- LTE-a:BEGIN -->
old a
<!-- LTE-a:END -->

<!-- LTE-b:BEGIN -->
kept b
<!-- LTE-b:END -->
<!-- LTE:END -->

<!-- NEE:BEGIN -->
nee
<!-- NEE:END -->
"""


def test_replacing_one_block_keeps_every_other_block():
    text = replace_block(TEXT, "LTE-a", "new a")
    assert "new a" in text and "old a" not in text
    assert text.replace("new a", "old a") == TEXT


def test_a_new_block_goes_at_the_end_of_its_section():
    text = replace_block(TEXT, "LTE-c", "c table", inside="LTE")
    assert text.index("kept b") < text.index("c table") < text.index(markers("LTE")[1]) < text.index("nee")
    assert replace_block(text, "LTE-c", "c table", inside="LTE") == text


def test_a_block_outside_any_section_is_appended_and_a_missing_section_is_an_error():
    assert replace_block(TEXT, "X", "x").endswith("<!-- X:BEGIN -->\nx\n<!-- X:END -->\n")
    with pytest.raises(ValueError, match="no block MISSING"):
        replace_block(TEXT, "X", "x", inside="MISSING")


def test_write_blocks_updates_the_file(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text(TEXT)
    write_blocks({"LTE-b": "b again", "LTE-d": "d"}, inside="LTE", path=str(path))
    text = path.read_text()
    assert "b again" in text and "kept b" not in text and "old a" in text and "\nd\n" in text


def test_percentages_round_down_so_100_means_every_case():
    assert percent(1.0) == "100.00" and percent(0.5) == "50.00"
    assert percent(1 - 2 / 59760) == "99.99" and percent(0.995, 0) == "99" and percent(0.9925, 1) == "99.2"
