"Every strategy and every Table 2 variant runs two cycles on digits, from Python and from the CLI."
import json
import pytest
from bual.loop import ActiveLearningRun
from bual.strategies import STRATEGIES
from conftest import bual, TINY

QUICK = dict(dataset='digits', openness=0.6, cycles=2, epochs=3, aux_epochs=3, nl_epochs=5, progress=False)
TABLE1 = ['random', 'lc', 'margin', 'entropy', 'coreset', 'badge', 'lfosa', 'ccal', 'dias', 'b-lc', 'b-margin', 'b-entropy']
TABLE2 = [dict(bu_terms='p'), dict(bu_terms='n'), dict(balance=False), dict(aux=False), dict(mode='official')]

def test_registry_holds_every_method():
    assert set(TABLE1) <= set(STRATEGIES)

@pytest.mark.parametrize('name', TABLE1)
def test_every_strategy_runs_two_cycles(name):
    res = ActiveLearningRun(strategy=name, seed=0, **QUICK).run()
    recs = res['cycles']
    assert [r['cycle'] for r in recs] == [0, 1] and res['status'] == 'finished'
    assert all(r['n_query'] == 30 and 0 <= r['precision'] <= 1 for r in recs)
    assert recs[1]['n_labeled_known'] + recs[1]['n_labeled_unknown'] == recs[0]['n_labeled_known'] + 30

@pytest.mark.parametrize('variant', TABLE2, ids=lambda v: '-'.join(f'{k}={v[k]}' for k in v))
@pytest.mark.parametrize('measure', ['lc', 'margin', 'entropy'])
def test_table2_variants_run(measure, variant):
    res = ActiveLearningRun(strategy=f'b-{measure}', seed=1, **{**QUICK, **variant}).run()
    assert len(res['cycles']) == 2
    uses_rlnl = variant.get('bu_terms') != 'p'
    assert ('nl_snapshots' in res['cycles'][0]) == uses_rlnl

def test_unc_p_equals_classic_uncertainty():
    a = ActiveLearningRun(strategy='b-margin', bu_terms='p', seed=2, **QUICK).run()
    b = ActiveLearningRun(strategy='margin', seed=2, **QUICK).run()
    strip = lambda r: [{k: v for k, v in c.items() if not k.startswith('time')} for c in r['cycles']]
    assert strip(a) == strip(b)

@pytest.mark.parametrize('name,extra', [('coreset', []), ('badge', []), ('lfosa', []), ('ccal', []), ('dias', []), ('b-lc', ['--no-aux']), ('b-entropy', ['--bu-terms', 'n'])])
def test_cli_runs_methods(tmp_path, name, extra):
    p = bual('run', *TINY, '--strategy', name, '--cycles', '2', '--out', tmp_path/'r', *extra)
    assert p.returncode == 0, p.stderr[-1500:]
    res = json.loads((tmp_path/'r'/'results.json').read_text())
    assert res['config']['strategy'] == name and len(res['cycles']) == 2
