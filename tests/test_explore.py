"The explorer driven programmatically: setting widgets changes what is plotted, and the button looks inside a cycle."
from dataclasses import replace
import numpy as np
import pytest
from bual.loop import ActiveLearningRun

@pytest.fixture(scope='module')
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp('runs')
    for s in ('random', 'b-margin'):
        for o in (0.4, 0.6):
            for seed in (0, 1):
                ActiveLearningRun(strategy=s, openness=o, seed=seed, out=out/f'{s},{o},{seed}', progress=False,
                                  dataset='digits', cycles=3, epochs=3, aux_epochs=3, nl_epochs=5).run()
    return out

def lines(ex, panel=0): return {l.get_label(): l.get_ydata() for l in ex.fig.axes[panel].lines if not l.get_label().startswith('_')}

def test_controls_redraw_curves(folder):
    import matplotlib; matplotlib.use('Agg')
    from bual.explore import Explorer
    ex = Explorer([folder])
    assert ex.dataset.value == 'digits' and ex.openness.options == (0.4, 0.6) and ex.strategies.value == ('random', 'b-margin')
    df = ex.df
    mean04 = df[(df.strategy == 'b-margin') & (df.openness == 0.4)].groupby('cycle').accuracy.mean().values * 100
    np.testing.assert_allclose(lines(ex)['B-Margin'], mean04)
    ex.openness.value = 0.6
    mean06 = df[(df.strategy == 'b-margin') & (df.openness == 0.6)].groupby('cycle').accuracy.mean().values * 100
    np.testing.assert_allclose(lines(ex)['B-Margin'], mean06)
    ex.seed.value = 1
    one = df[(df.strategy == 'random') & (df.openness == 0.6) & (df.seed == 1)].sort_values('cycle')
    np.testing.assert_allclose(lines(ex)['Random'], one.accuracy.values * 100)
    np.testing.assert_allclose(lines(ex, 1)['Random'], one.query_precision.values * 100)
    ex.strategies.value = ('b-margin',)
    assert list(lines(ex)) == ['B-Margin']
    ex.cycle.value = 2
    assert ex.fig.axes[0].lines[-1].get_xdata()[0] == 2                    # the cycle marker moved

def test_look_inside_follows_the_cycle(folder):
    import matplotlib; matplotlib.use('Agg')
    from bual.explore import Explorer
    ex = Explorer([folder])
    ex.openness.value, ex.seed.value, ex.strategies.value = 0.6, 0, ('b-margin',)
    ex.cycle.value = 1
    ex.inspect.click()
    n1 = len(ex.inside_conf)
    hist = ex.inside_fig.axes[0].patches
    assert sum(p.get_height() for p in hist) == n1                        # every candidate in the f_p histogram
    assert 'cycle 1' in ex.status.value and 'P-' in ex.inside_conf
    run, pr = ex.probe(1)
    assert run.cfg.seed == 0 and run.cfg.openness == 0.6 and run.cfg.strategy == 'b-margin'
    rec = ActiveLearningRun(replace(run.cfg, cycles=2), progress=False).run()['cycles'][1]  # the replay is the run
    assert rec['n_candidates'] == n1
    conf1 = ex.inside_conf
    assert np.isin(pr.query, conf1['index']).all()
    ex.cycle.value = 2
    ex.inspect.click()
    assert 'cycle 2' in ex.status.value
    assert not np.isin(pr.query, ex.inside_conf['index']).any()            # cycle 1's query is labeled by cycle 2
    assert sum(p.get_height() for p in ex.inside_fig.axes[0].patches) == len(ex.inside_conf)

def test_no_strategy_colours_and_stale_pictures(folder):
    import matplotlib; matplotlib.use('Agg')
    from bual.explore import Explorer
    ex = Explorer([folder])
    assert len({str(c) for c in ex.colours.values()}) == len(ex.colours)   # every method its own colour
    colour = {l.get_label(): l.get_color() for l in ex.fig.axes[0].lines if not l.get_label().startswith('_')}
    ex.strategies.value = ('b-margin',)
    assert [l.get_color() for l in ex.fig.axes[0].lines if l.get_label() == 'B-Margin'] == [colour['B-Margin']]   # its colour stays
    assert ex.fig.axes[1].get_legend().get_bbox_to_anchor().x0 > ex.fig.axes[1].get_window_extent().x1 - 1     # legend beside the plot
    assert ex.inside_img.layout.display == 'none' and ex.inside.value == 'b-margin'
    ex.inspect.click()
    assert ex.inside_img.layout.display is None and ex.inside_fig is not None
    ex.cycle.value = 2                                                    # the picture was of another cycle: hidden
    assert ex.inside_img.layout.display == 'none' and ex.inside_fig is None
    ex.strategies.value = ()                                              # nothing chosen: a message, no error
    assert 'Choose at least one strategy' in ex.status.value and ex.inside.value is None
    ex.inspect.click()
    assert 'Choose a strategy to look inside' in ex.status.value
    ex.strategies.value = ('random', 'b-margin'); ex.inside.value = 'random'
    assert ex.run_config()['strategy'] == 'random'                        # the strategy to look inside is chosen explicitly

def test_look_inside_a_committed_run_replays_it(recwarn):
    "The explorer over a committed table replays with the recorded thread count: the query it shows is the recorded one."
    import matplotlib; matplotlib.use('Agg')
    from conftest import ROOT
    from bual.explore import Explorer
    ex = Explorer([ROOT/'figures'/'results'/'table1_digits.csv.gz'])
    ex.openness.value, ex.seed.value, ex.strategies.value = 0.6, 0, ('b-margin',)
    ex.cycle.value = 3
    row = ex._run_row()
    assert row.cpu_threads == 1
    ex.inspect.click()
    assert ex.mismatch is None and 'Warning' not in ex.status.value
    assert f"query precision {row.query_precision:.0%}" in ex.status.value
    ex.df.loc[row.name, 'n_query_known'] += 1                              # a record the replay does not match
    ex.inspect.click()
    assert 'show the replay, not the run' in ex.mismatch and 'Warning' in ex.status.value
    assert any('show the replay' in str(w.message) for w in recwarn)
