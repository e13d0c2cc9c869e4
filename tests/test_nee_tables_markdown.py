"""tools/nee_tables.py writes a RESULTS.md block only for the tables its runs measured."""

from tool_scripts import load_tool

nee_tables = load_tool("nee_tables")


def _run(subroutine, holdout=256, dropout=0.0):
    config = {"experiment": f"nee-{subroutine}", "preset": "quick", "d_model": 24, "num_layers": 2, "ff_dim": 128,
              "dropout": dropout, "scalable_softmax": "none", "encoder_layers": None, "holdout": holdout,
              "patience": 5, "subroutine": subroutine}
    return {"config": config, "steps": 1000, "seconds": 60.0, "val_step_accuracy": 1.0}


def _results(runs, algorithms=(), addition=(), multiplication=None):
    return {"seed": 0, "runs": list(runs), "algorithms": list(algorithms), "addition": list(addition),
            "multiplication": multiplication}


ROW = {"algorithm": "selection_sort", "family": "lists", "size": 25, "instances": 100, "per_number": 1.0, "exact": 1.0}


def test_compositions_alone_write_only_the_table1_block():
    blocks = nee_tables.markdown(_results([_run("add")], [ROW], [
        {"seen_count": 256, "unseen": None, "all": 1.0, "infinity": 1.0}]), "cmd", [])
    assert list(blocks) == ["NEE-table1"]
    assert "| selection_sort | lists | 100.00 / 100 |" in blocks["NEE-table1"]


def test_held_out_additions_write_the_table2_block_with_their_training_rows():
    runs = [_run("add", holdout=89, dropout=0.1), _run("add")]
    addition = [{"seen_count": 89, "unseen": 0.995, "all": 0.996, "infinity": 1.0}]
    blocks = nee_tables.markdown(_results(runs, addition=addition), "cmd", ["a note"])
    assert list(blocks) == ["NEE-table2"]
    table2 = blocks["NEE-table2"]
    assert "--holdout 89 --dropout 0.1 --steps 1000" in table2 and "| 89 | 99.50 |" in table2
    all_numbers = table2.index("`python -m l2e.fit --experiment nee-add --preset quick --steps 1000`")
    assert all_numbers < table2.index("--holdout 89")  # training rows from K = 256 down, like the table
    assert table2.endswith("a note")


def test_a_table_shows_100_only_when_every_case_is_right():
    addition = [{"seen_count": 76, "unseen": 1 - 2 / 59760, "all": 1 - 2 / 65536, "infinity": 1.0},
                {"seen_count": 64, "unseen": 1.0, "all": 1.0, "infinity": 1.0}]
    table2 = nee_tables.markdown(_results([_run("add", holdout=76)], addition=addition), "cmd", [])["NEE-table2"]
    assert "| 76 | 99.99 | 99.99 | 100.00 |" in table2 and "| 64 | 100.00 | 100.00 | 100.00 |" in table2
