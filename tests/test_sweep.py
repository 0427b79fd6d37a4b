"`bual sweep` and `bual collect` with real papermill kernels and a real local Ray cluster."
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest
from conftest import BUAL, bual

GRID = """grid:
  strategy: [random, b-margin]
  seed: [0, 1]
fixed:
  dataset: digits
  openness: 0.6
  cycles: 3
  epochs: 3
  aux_epochs: 3
  nl_epochs: 5
"""

def strip(res): return [{k: v for k, v in c.items() if not k.startswith('time')} for c in res['cycles']]
def results(out): return {d.name: strip(json.loads((d/'results.json').read_text())) for d in sorted(Path(out).iterdir()) if (d/'results.json').exists()}
def done_times(out): return {p.parent.name: p.stat().st_mtime_ns for p in Path(out).glob('*/done.json')}

@pytest.fixture(scope='module')
def grid(tmp_path_factory):
    p = tmp_path_factory.mktemp('grid')/'grid.yaml'; p.write_text(GRID); return p

@pytest.fixture(scope='module')
def reference(grid, tmp_path_factory):
    "An uninterrupted local sweep: 4 complete runs (into a relative --out, as `make figures` gives it)."
    out = tmp_path_factory.mktemp('ref')/'sweep'
    p = bual('sweep', grid, '--out', 'sweep', '--workers', '2', timeout=900, cwd=out.parent)
    assert p.returncode == 0, p.stderr[-3000:]
    return out

def test_local_sweep_completes_and_collects(reference):
    runs = sorted(d for d in reference.iterdir() if d.is_dir())
    assert [d.name for d in runs] == ['strategy=b-margin,seed=0', 'strategy=b-margin,seed=1', 'strategy=random,seed=0', 'strategy=random,seed=1']
    for d in runs:
        assert (d/'done.json').exists() and (d/'al_run.ipynb').exists()
        assert json.loads((d/'results.json').read_text())['status'] == 'finished'
    p = bual('collect', reference)
    assert p.returncode == 0, p.stderr
    import pandas as pd
    df = pd.read_parquet(reference/'results.parquet')
    assert len(df) == 4 * 3 and {'strategy', 'seed', 'cycle', 'accuracy', 'query_precision', 'run'} <= set(df.columns)
    assert len(pd.read_csv(reference/'results.csv')) == 12

def test_local_runs_share_the_cores(reference):
    "Each of the 2 workers' runs gets half of PyTorch's threads (or OMP_NUM_THREADS when set), not all of them."
    from bual.runfolder import RunFolder
    from bual.sweep import child_threads
    env = os.environ.get('OMP_NUM_THREADS')
    expected = int(env) if env else child_threads(2)
    for d in sorted(x for x in reference.iterdir() if (x/'results.json').exists()):
        assert set(RunFolder(d).threads().values()) == {expected}, d.name

def test_second_sweep_does_no_work(grid, reference):
    before = done_times(reference)
    p = bual('sweep', grid, '--out', reference)
    assert p.returncode == 0 and '4 already finished, 0 done now' in p.stdout
    assert done_times(reference) == before

def test_sweep_runs_share_encoders(tmp_path):
    "Runs that differ only in openness train CCAL's encoders once: one file in OUT/cache, which both runs name as their cache."
    g = tmp_path/'g.yaml'
    g.write_text("grid:\n  openness: [0.4, 0.6]\nfixed:\n  dataset: digits\n  strategy: ccal\n  cycles: 1\n  epochs: 2\n  aux_epochs: 2\n")
    p = bual('sweep', g, '--out', tmp_path/'s', '--workers', '1', timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    cache = (tmp_path/'s'/'cache').resolve()
    assert [f.name.split('-')[0] for f in cache.glob('*.pt')] == ['ccal_features']
    runs = sorted((tmp_path/'s').glob('openness=*'))
    assert [json.loads((d/'config.json').read_text())['cache_dir'] for d in runs] == [str(cache)] * 2
    reused = [json.loads((d/'results.json').read_text())['cycles'][0].get('reused_from_cache') for d in runs]
    assert reused == [None, 'ccal_features'], reused   # one worker: the first run trains, the second reads

def test_bad_grid_is_rejected_before_any_run(tmp_path):
    g = tmp_path/'g.yaml'; g.write_text("grid:\n  strategy: [random, bald]\n")
    p = bual('sweep', g, '--out', tmp_path/'s')
    assert p.returncode == 2 and "grid entry strategy=bald: unknown strategy 'bald'" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and not (tmp_path/'s').exists()
    g.write_text("grid:\n  seed: []\n")
    assert "grid entry 'seed': empty list" in bual('sweep', g, '--out', tmp_path/'s').stderr

def test_sigkill_sweep_then_rerun(grid, reference, tmp_path):
    out = tmp_path/'sweep'
    p = subprocess.Popen([BUAL, 'sweep', str(grid), '--out', str(out), '--workers', '2'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while not done_times(out) and time.time() - t0 < 600: time.sleep(0.2)   # at least one run finished
    time.sleep(1.0)
    p.send_signal(signal.SIGKILL); p.wait()
    finished_before = done_times(out)
    assert 0 < len(finished_before) < 4
    q = bual('sweep', grid, '--out', out, timeout=900)
    assert q.returncode == 0, q.stderr[-3000:]
    after = done_times(out)
    assert len(after) == 4
    assert all(after[k] == v for k, v in finished_before.items())          # no finished run was redone
    assert results(out) == results(reference)

# the test's own cluster, whatever token an earlier local Ray (ray.init) left in ~/.ray: no auth on either side
RAY_ENV = {**os.environ, 'RAY_USAGE_STATS_ENABLED': '0', 'RAY_AUTH_MODE': 'disabled'}

@pytest.fixture(scope='module')
def ray_cluster():
    ray = str(Path(sys.executable).with_name('ray'))
    env = RAY_ENV
    subprocess.run([ray, 'stop', '--force'], capture_output=True, env=env)
    p = subprocess.run([ray, 'start', '--head', '--node-ip-address=127.0.0.1', '--port=6391', '--num-cpus=2', '--num-gpus=0',
                        '--include-dashboard=false', '--disable-usage-stats'], capture_output=True, text=True, env=env, timeout=180)
    assert p.returncode == 0, p.stderr[-2000:]
    yield '127.0.0.1:6391'
    subprocess.run([ray, 'stop', '--force'], capture_output=True, env=env, timeout=120)

def test_ray_sweep_with_a_killed_worker(grid, reference, ray_cluster, tmp_path):
    out = tmp_path/'sweep'
    p = subprocess.Popen([BUAL, 'sweep', str(grid), '--out', str(out), '--engine', 'ray', '--address', ray_cluster, '--retries', '2'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=RAY_ENV)
    killed, t0 = None, time.time()
    while killed is None and p.poll() is None and time.time() - t0 < 300:  # kill the worker process running a run
        ps = subprocess.run(['ps', '-eo', 'pid,args'], capture_output=True, text=True).stdout.splitlines()
        workers = [int(l.split()[0]) for l in ps if 'ray::_ray_task' in l]
        if workers and any(Path(out).glob('*/state.json')):
            os.kill(workers[0], signal.SIGKILL); killed = workers[0]
        time.sleep(0.2)
    stdout, stderr = p.communicate(timeout=900)
    assert killed is not None, f'no Ray worker was seen running a run (sweep exit {p.returncode}): {stdout[-1000:]} {stderr[-2000:]}'
    assert p.returncode == 0, stderr[-3000:]
    assert '4 done now, 0 failed' in stdout                               # the killed worker's run was retried
    assert len(done_times(out)) == 4
    # Ray gives each task one CPU thread, so float results differ from the 2-thread reference in the last
    # bits; what does not depend on float arithmetic must agree: the random runs' pools, cycle by cycle
    got, ref = results(out), results(reference)
    assert set(got) == set(ref)
    for name in ('strategy=random,seed=0', 'strategy=random,seed=1'):
        pools = lambda rs: [(c['n_labeled_known'], c['n_labeled_unknown'], c['n_query_known']) for c in rs]
        assert pools(got[name]) == pools(ref[name])
    assert bual('collect', out).returncode == 0
