"Every experiment notebook run through `bual experiment` (papermill) with small parameters, checked against the runs it reads."
import json, os, statistics, subprocess, sys
from pathlib import Path
import pandas as pd
import pytest
from conftest import bual

SMALL = dict(dataset='digits', cycles=3, epochs=3, aux_epochs=3, nl_epochs=5)
SMALL_YAML = '{' + ', '.join(f'{k}: {v}' for k, v in SMALL.items() if k != 'dataset') + '}'

@pytest.fixture(scope='module')
def sweep(tmp_path_factory):
    "A small folder of finished runs: three methods at two openness ratios, two seeds, and one ablation variant."
    from bual.loop import ActiveLearningRun
    out = tmp_path_factory.mktemp('sweep')
    for s in ('random', 'lfosa', 'b-margin'):
        for o in (0.4, 0.6):
            for seed in (0, 1): ActiveLearningRun(strategy=s, openness=o, seed=seed, out=out/f'{s},{o},{seed}', progress=False, **SMALL).run()
    ActiveLearningRun(strategy='b-margin', openness=0.6, seed=0, bu_terms='n', out=out/'unc_n', progress=False, **SMALL).run()
    assert bual('collect', out).returncode == 0
    return out

def final(sweep, strategy, openness, **extra):
    "Final-cycle accuracies (%) of the matching runs, read straight from their results.json."
    accs = []
    for f in sweep.glob('*/results.json'):
        r = json.loads(f.read_text()); c = r['config']
        if c['strategy'] == strategy and c['openness'] == openness and all(c[k] == v for k, v in {'bu_terms': 'both', **extra}.items()):
            accs.append(r['cycles'][-1]['accuracy'] * 100)
    return accs

def experiment(*args, timeout=600):
    p = bual('experiment', *args, timeout=timeout)
    assert p.returncode == 0, p.stderr[-3000:]
    return p

def test_tables(sweep, tmp_path):
    p = experiment('tables', '-p', 'sources', f'[{sweep}]', '-p', 'out', tmp_path)
    saved = Path(p.stdout.strip().split('executed notebook: ')[-1])
    assert saved.parent == tmp_path and saved.name.startswith('tables,sources=') and saved.exists()
    md = (tmp_path/'table1_digits.md').read_text()
    t1 = pd.read_csv(tmp_path/'table1_digits.csv')
    for s in ('random', 'lfosa', 'b-margin'):
        for o in (0.4, 0.6):
            accs = final(sweep, s, o)
            row = t1[(t1.strategy == s) & (t1.openness == o)].iloc[0]
            assert row.n == 2 and abs(row['mean'] - statistics.mean(accs)) < 1e-6 and abs(row['std'] - statistics.stdev(accs)) < 1e-6
            assert f"{statistics.mean(accs):.1f}" in md
    assert [l.split('|')[1].strip() for l in md.splitlines()[4:]] == ['Random', 'LfOSA', 'B-Margin']
    assert r'\begin{tabular}' in (tmp_path/'table1_digits.tex').read_text()
    t2 = pd.read_csv(tmp_path/'table2_digits.csv')
    assert list(t2.variant) == ['unc_n', 'full']
    assert abs(t2.iloc[0]['mean'] - final(sweep, 'b-margin', 0.6, bu_terms='n')[0]) < 1e-6
    assert 'unc_n' in (tmp_path/'table2_digits.md').read_text()

def test_curves(sweep, tmp_path):
    experiment('fig6_fig7_curves', '-p', 'sources', f'[{sweep}/results.csv]', '-p', 'out', tmp_path)
    for stem in ('fig6_accuracy_digits', 'fig7_precision_digits'):
        assert (tmp_path/f'{stem}.png').stat().st_size > 5000 and (tmp_path/f'{stem}.pdf').stat().st_size > 5000
    c = pd.read_csv(tmp_path/'curves_digits.csv')
    last = c[(c.strategy == 'lfosa') & (c.openness == 0.4) & (c.cycle == SMALL['cycles'] - 1)].iloc[0]
    assert abs(last.mean_accuracy - statistics.mean(final(sweep, 'lfosa', 0.4))) < 1e-6

def test_fig1_confidence(sweep, tmp_path):
    experiment('fig1_confidence', '-p', 'cycle', 1, '-p', 'config', SMALL_YAML[:-1] + ', drop_predicted_unknown: false}',
               '-p', 'runs_root', tmp_path/'runs', '-p', 'sweep', f'[{sweep}]', '-p', 'out', tmp_path)
    s = json.loads((tmp_path/'fig1_confidence_digits.json').read_text())
    run = json.loads(next((tmp_path/'runs').glob('fig1_*/results.json')).read_text())
    assert len(run['cycles']) == 1                                          # replayed to cycle 1, probed there
    assert s['n'] == run['cycles'][0]['n_unlabeled'] - run['config']['budget']  # the whole unlabeled pool is measured
    assert 0 < s['n_unknown'] < s['n'] and 0 <= s['auroc_unknown_if_confident_fp'] <= 1 and 0 <= s['auroc_unknown_if_confident_neg'] <= 1
    assert (tmp_path/'fig1_confidence_digits.pdf').exists()
    au = pd.read_csv(tmp_path/'fig1_auroc_per_cycle_digits.csv')
    assert set(au.strategy) == {'b-margin'} and au.n.max() == 2

def test_fig5_tsne(tmp_path):
    experiment('fig5_tsne_rlnl', '-p', 'cycle', 1, '-p', 'max_points', 150, '-p', 'config', SMALL_YAML,
               '-p', 'runs_root', tmp_path/'runs', '-p', 'out', tmp_path)
    s = json.loads((tmp_path/'fig5_tsne_digits.json').read_text())
    assert s['sizes']['unlabeled unknown'] == 150 and s['sizes']['labeled (class 0)'] > 0
    for panel in s['knn_agreement'].values(): assert all(0 <= v <= 1 for v in panel.values())
    assert (tmp_path/'fig5_tsne_digits.png').stat().st_size > 5000

def test_fig8_query_tsne(tmp_path):
    experiment('fig8_query_tsne', '-p', 'cycle', 1, '-p', 'config', SMALL_YAML, '-p', 'runs_root', tmp_path/'runs', '-p', 'out', tmp_path)
    s = json.loads((tmp_path/'fig8_query_tsne_digits.json').read_text())
    assert set(s['methods']) == {'b-margin', 'lfosa'}
    for m in s['methods'].values(): assert m['n_query'] == 30 and m['nn_ratio'] > 0 and 0 <= m['query_precision'] <= 1
    assert (tmp_path/'fig8_query_tsne_digits.pdf').exists()

def test_rlnl_study(sweep, tmp_path):
    "The RLNL study at tiny settings: a sweep of two settings x two seeds through `bual sweep`, collected, then the notebook."
    grid = tmp_path/'grid.yaml'
    grid.write_text("grid:\n  seed: [0, 1]\nvariants:\n  - {nl_epochs: 5}\n  - {nl_epochs: 10}\nfixed:\n  dataset: digits\n"
                    "  strategy: b-margin\n  measure_pool: true\n" + ''.join(f"  {k}: {v}\n" for k, v in SMALL.items() if k not in ('dataset', 'nl_epochs')))
    study = tmp_path/'study'
    assert bual('sweep', grid, '--out', study, '--workers', 2, timeout=900).returncode == 0
    assert bual('collect', study).returncode == 0 and (study/'nl_trace.csv').exists()
    experiment('rlnl_study', '-p', 'sources', f'[{study}/results.csv]', '-p', 'traces', f'[{study}/nl_trace.csv]',
               '-p', 'references', f'[{sweep}]', '-p', 'out', tmp_path)
    t = pd.read_csv(tmp_path/'rlnl_study_digits.csv').set_index('setting')
    assert list(t.index) == ['profile', 'nl_epochs: 10']
    for setting, nl in (('profile', 5), ('nl_epochs: 10', 10)):  # the most common value of a factor is the 'profile' one (ties: the lower)   # each number is the mean over seeds of the runs' cycle means
        runs = [json.loads(f.read_text()) for f in study.glob('*/results.json')]
        runs = [r for r in runs if r['config']['nl_epochs'] == nl]
        assert len(runs) == 2 and all(r['cycles'][0]['nl_trace']['measured_on'] == 'pool' for r in runs)
        per_run = [statistics.mean(c['auroc_unknown_if_confident_neg_pool'] for c in r['cycles']) for r in runs]
        assert abs(t.loc[setting, 'auroc_unknown_if_confident_neg_pool_mean'] - statistics.mean(per_run)) < 1e-9
        assert abs(t.loc[setting, 'final_accuracy_mean'] - statistics.mean(r['cycles'][-1]['accuracy'] for r in runs)) < 1e-9
    assert "AUROC P^- pool" in (tmp_path/'rlnl_study_digits.md').read_text()
    for stem in ('rlnl_study_digits', 'rlnl_study_trace_digits'): assert (tmp_path/f'{stem}.png').stat().st_size > 5000
    tr = pd.read_csv(tmp_path/'rlnl_study_trace_digits.csv')
    assert set(tr.setting) == {'profile', 'nl_epochs: 10'} and list(tr[tr.setting == 'profile'].epoch) == [0, 5]
    last = tr[tr.setting == 'nl_epochs: 10'].iloc[-1]                     # the last running mean is P^-, averaged over cycles and seeds
    runs = [json.loads(f.read_text()) for f in study.glob('*/results.json')]
    aurocs = [c['auroc_unknown_if_confident_neg_pool'] for r in runs if r['config']['nl_epochs'] == 10 for c in r['cycles']]
    assert abs(last.avg_auroc_unknown_if_confident - statistics.mean(aurocs)) < 1e-9

def test_al_run(tmp_path):
    experiment('al_run', '-p', 'out', tmp_path/'run', '-p', 'strategy', 'margin', '-p', 'config', '{cycles: 2, epochs: 3, mode: official}')
    res = json.loads((tmp_path/'run'/'results.json').read_text())
    assert res['status'] == 'finished' and res['config']['strategy'] == 'margin' and len(res['cycles']) == 2
    assert res['config']['epochs'] == 3 and res['config']['mode'] == 'official'
    p = bual('experiment', 'al_run', '-p', 'out', tmp_path/'bad', '-p', 'config', '{strategy: lfosa}')
    assert p.returncode == 2 and 'set strategy as its own parameter' in p.stderr
    p = bual('experiment', 'al_run', '-p', 'out', tmp_path/'bad2', '-p', 'config', '{colour: red}')
    assert p.returncode == 2 and 'unknown option(s) colour' in p.stderr

def test_bad_input_is_one_line(tmp_path):
    p = bual('experiment', 'tables', '-p', 'colour', 'red')
    assert p.returncode == 2 and p.stderr.strip() == "bual: error: tables has no parameter 'colour'; it takes: sources, dataset, ablation_openness, out"
    p = bual('experiment', 'tables', '-p', 'sources', f'[{tmp_path}/missing]', '-p', 'out', tmp_path)
    assert p.returncode == 2 and p.stderr.strip().splitlines()[-1].startswith('bual: error: tables failed in cell')
    assert 'not a sweep folder' in p.stderr and 'Traceback' not in p.stderr

def test_gpu_experiments_script_runs_on_cpu(tmp_path):
    "benchmarks/gpu_experiments.sh (the paper-scale GPU check) at CPU scale on digits: every step it runs succeeds."
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, 'DATASET': 'digits', 'PROFILE': 'cpu', 'CYCLES': '2',
           'PATH': f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}   # its python3 is this one
    p = subprocess.run(['bash', str(root/'benchmarks'/'gpu_experiments.sh'), str(tmp_path)], capture_output=True, text=True,
                       env=env, cwd=root, timeout=900)
    assert p.returncode == 0 and p.stdout.rstrip().endswith('ALL STEPS OK'), (p.stdout + p.stderr)[-3000:]
    table = (tmp_path/'table1_digits.md').read_text()
    assert '| Random |' in table and '| B-Margin |' in table
    f1 = json.loads((tmp_path/'fig1_confidence_digits.json').read_text())
    assert f1['profile'] == 'cpu' and f1['cycle'] == 1 and f1['auroc_unknown_if_confident_neg'] is not None
