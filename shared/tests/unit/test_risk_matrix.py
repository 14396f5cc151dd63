"""The default matrix as data, and the heat map's grids read back from the figures' rows and drawn."""
from __future__ import annotations

from ordning_shared import risk_matrix as m


def rows(version, size, counts=(), current=False, colour="#b71c1c"):
    return [{"matrix_version": version, "current": current, "probability": p, "probability_label": f"S{p}",
             "consequence": c, "consequence_label": f"K{c}", "score": p * c, "level": "hog" if p * c > size else "lag",
             "level_label": "Hög" if p * c > size else "Låg", "level_colour": colour if p * c > size else "#1b5e20",
             "level_rank": int(p * c > size), "initial": dict(counts).get((p, c), 0), "residual": 0}
            for p in range(size, 0, -1) for c in range(1, size + 1)]


def test_the_default_is_domain_md_4x4_with_consequence_3_and_4_at_least_high():
    cells = {(cell["probability"], cell["consequence"]): cell["level"] for cell in m.DEFAULT_MATRIX_DEFINITION["cells"]}
    assert len(cells) == 16 and cells[(1, 3)] == "hog" and cells[(2, 4)] == "hog" and cells[(4, 4)] == "mycket_hog"
    assert cells[(1, 1)] == "lag" and cells[(2, 2)] == "medel" and cells[(4, 2)] == "hog"
    copy = m.default_matrix_definition()
    copy["levels"][0]["colour"] = "#000000"
    assert m.DEFAULT_MATRIX_DEFINITION["levels"][0]["colour"] == "#2e7d32"


def test_grids_are_read_per_version_in_the_tables_order_and_a_partial_one_is_left_out():
    table = rows(3, 5, {(5, 5): 2}, current=True) + rows(2, 3, {(1, 1): 1}) + rows(1, 4)[:5]
    grids = m.heat_grids(table)
    assert [(g.version, g.size, g.current) for g in grids] == [(3, (5, 5), True), (2, (3, 3), False)]
    assert grids[0].initial[4][4] == 2 and grids[0].total() == 2 and grids[1].initial[0][0] == 1
    assert [level.code for level in grids[0].levels] == ["lag", "hog"]  # lowest first
    bad = rows(4, 3)
    bad[0]["level_colour"] = "red"
    assert m.heat_grids(bad) == [] and m.heat_grids([{"matrix_version": "x"}]) == []


def test_a_grid_is_drawn_highest_probability_on_top_in_its_levels_colours():
    (grid,) = m.heat_grids(rows(1, 3, {(3, 1): 4}))
    chart = m.heat_chart(grid, "riskkarta", "Riskkarta", stage="initial")
    assert chart.rows[0] == ("3 S3", 4, 0, 0) and chart.columns == ("Sannolikhet \\ Konsekvens", "1 K1", "2 K2", "3 K3")
    assert 'fill="#b71c1c"' in chart.svg and 'fill="#1b5e20"' in chart.svg
    assert m.heat_chart(grid, "efter", "Efter", stage="residual").rows[0] == ("3 S3", 0, 0, 0)


def test_cells_only_rows_of_an_older_table_are_drawn_on_the_default():
    grid = m.default_grid([{"matrix_version": 1, "probability": 4, "consequence": 4, "initial": 3, "residual": 1},
                           {"matrix_version": 1, "probability": 5, "consequence": 1, "initial": 9, "residual": 0}])
    assert grid.size == (4, 4) and grid.initial[3][3] == 3 and grid.total() == 3 and grid.total("residual") == 1
    assert grid.cells[3][3] == "mycket_hog" and grid.probability_labels[0] == "Mycket liten"
