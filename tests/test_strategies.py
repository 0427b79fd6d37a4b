"Every strategy and every Table 2 variant runs two cycles on digits, from Python and from the CLI."
import json
import pytest
from bual.loop import ActiveLearningRun
from bual.registry import STRATEGIES
from conftest import bual, TINY, strip_times

QUICK = dict(dataset='digits', openness=0.6, cycles=2, epochs=3, aux_epochs=3, nl_epochs=5, progress=False)
TABLE1 = ['random', 'lc', 'margin', 'entropy', 'coreset', 'badge', 'lfosa', 'ccal', 'dias', 'b-lc', 'b-margin', 'b-entropy']
BEYOND = ['eaoa', 'eoal', 'mqnet']   # methods published after the paper, on the same interface
TABLE2 = [dict(bu_terms='p'), dict(bu_terms='n'), dict(balance=False), dict(aux=False), dict(mode='official')]

def test_registry_holds_every_method():
    assert set(TABLE1 + BEYOND) <= set(STRATEGIES)

@pytest.mark.parametrize('name', TABLE1 + BEYOND)
def test_every_strategy_runs_two_cycles(name):
    res = ActiveLearningRun(strategy=name, seed=0, **QUICK).run()
    recs = res['cycles']
    assert [r['cycle'] for r in recs] == [0, 1] and res['status'] == 'finished'
    assert all(r['n_query'] == 30 and 0 <= r['query_precision'] <= 1 for r in recs)
    assert recs[1]['n_labeled_known'] + recs[1]['n_labeled_unknown'] == recs[0]['n_labeled_known'] + 30

@pytest.mark.parametrize('variant', TABLE2, ids=lambda v: '-'.join(f'{k}={v[k]}' for k in v))
@pytest.mark.parametrize('measure', ['lc', 'margin', 'entropy'])
def test_table2_variants_run(measure, variant):
    res = ActiveLearningRun(strategy=f'b-{measure}', seed=1, **{**QUICK, **variant}).run()
    assert len(res['cycles']) == 2
    uses_rlnl = variant.get('bu_terms') != 'p'
    assert ('nl_snapshots' in res['cycles'][0]) == uses_rlnl

def test_unc_p_is_margin_on_the_candidates_f_aux_lets_through():
    "One rule for f_aux in the ablations: unc_p keeps its filter, so it is Margin's ranking on fewer candidates."
    cfg = {**QUICK, 'aux_epochs': 10}  # f_aux trained enough to leave at least b candidates
    a = ActiveLearningRun(strategy='b-margin', bu_terms='p', seed=0, **cfg).run()
    b = ActiveLearningRun(strategy='margin', seed=0, **cfg).run()
    assert strip_times(a)[0] == strip_times(b)[0]     # no unknown labeled yet, so no f_aux: Margin's query
    a1, b1 = a['cycles'][1], b['cycles'][1]
    assert a1['aux_filter'] == 'applied' and a1['n_candidates'] < b1['n_candidates'] == b1['n_unlabeled']
    assert a['components'] == dict(filter=True, local_factor=False, r=False)
    assert b['components'] == dict(filter=False, local_factor=False, r=False)

@pytest.mark.parametrize('variant,components', [(dict(balance=False), (False, False, False)), (dict(aux=False), (False, False, True)),
                                                (dict(bu_terms='n'), (True, False, False)), ({}, (True, True, True))])
def test_only_w_o_w_and_w_o_f_aux_train_no_f_aux(variant, components):
    res = ActiveLearningRun(strategy='b-lc', seed=0, **{**QUICK, **variant}).run()
    assert tuple(res['components'].values()) == components
    assert (res['cycles'][1]['aux_filter'] == 'none') == (not components[0])

@pytest.mark.parametrize('name,extra', [('coreset', []), ('badge', []), ('lfosa', []), ('ccal', []), ('dias', []), ('eaoa', []), ('eoal', []), ('mqnet', []), ('b-lc', ['--no-aux']), ('b-entropy', ['--bu-terms', 'n'])])
def test_cli_runs_methods(tmp_path, name, extra):
    p = bual('run', *TINY, '--strategy', name, '--cycles', '2', '--out', tmp_path/'r', *extra)
    assert p.returncode == 0, p.stderr[-1500:]
    res = json.loads((tmp_path/'r'/'results.json').read_text())
    assert res['config']['strategy'] == name and len(res['cycles']) == 2

@pytest.mark.parametrize('name', ['ccal', 'dias', 'lfosa', 'eaoa', 'eoal', 'mqnet'])
def test_strategies_with_models_of_their_own_resume_exactly(tmp_path, name):
    "CCAL's once-per-run encoders, DIAS's and LfOSA's per-cycle models: a run resumed after a cycle ends where an uninterrupted one does."
    whole = ActiveLearningRun(strategy=name, seed=2, **QUICK).run()
    first = ActiveLearningRun(strategy=name, seed=2, out=tmp_path/'r', **QUICK)
    first.step(); del first                      # one cycle saved, then the process "stops"
    resumed = ActiveLearningRun(strategy=name, seed=2, out=tmp_path/'r', resume=True, **QUICK).run()
    assert strip_times(resumed) == strip_times(whole)

@pytest.mark.parametrize('name', ['dias', 'ccal', 'eaoa', 'eoal', 'mqnet'])
def test_strategies_with_models_of_their_own_run_on_resnet18(name):
    "The paper profile's architecture: DIAS's stages, taps and auxiliary BatchNorms, and CCAL's encoders, on ResNet18."
    res = ActiveLearningRun(strategy=name, seed=0, model='resnet18', **{**QUICK, 'aux_epochs': 1, 'epochs': 1}).run()
    assert len(res['cycles']) == 2 and all(c['n_query'] == 30 for c in res['cycles'])

def test_strategy_state_is_kept_only_when_the_oracle_answers(tmp_path):
    "EAOA's width: a probe leaves it as it was; a step keeps the new one and saves it; a resumed run reads it back."
    run = ActiveLearningRun(strategy='eaoa', seed=1, out=tmp_path/'r', **{**QUICK, 'cycles': 3})
    run.step()
    kept = dict(run.strategy_state)
    assert kept == {'k': 5}                                  # the first cycle's width
    run.probe()
    assert run.strategy_state == kept
    run.step()
    saved = json.loads((tmp_path/'r'/'state.json').read_text())['strategy_state']
    assert saved == run.strategy_state and saved['k'] != kept['k'] or run.records[0]['query_precision'] == pytest.approx(0.6, abs=0.05)
    again = ActiveLearningRun(strategy='eaoa', seed=1, out=tmp_path/'r', resume=True, **{**QUICK, 'cycles': 3})
    assert again.strategy_state == run.strategy_state
