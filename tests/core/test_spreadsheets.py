from core.spreadsheets import formula_restored, formula_safe


def test_every_value_survives_neutralising_and_restoring():
    for value in ["=1+1", "+1", "-1", "@x", "\tx", "\rx", "'=1", "''=1", "'plain", "plain", "", "a=b"]:
        assert formula_restored(formula_safe(value)) == value


def test_only_cells_that_would_run_change():
    assert formula_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert formula_safe("Quality - culture") == "Quality - culture"
    assert formula_safe(None) == ""
