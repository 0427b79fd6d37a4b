"""Failures a user can cause or meet: each ends in one line and exit status 2 (collect: 1 after writing the healthy runs),
and nothing already done is lost: divergence, an output that cannot be written, a full disk while saving, a corrupt run
among healthy ones, unreadable data files, and SIGTERM during `bual run` and `bual sweep`."""
import gzip, json, resource, signal, subprocess, time
from pathlib import Path
import pytest
from conftest import BUAL, TINY, bual, strip_times

ARGS = [*TINY, '--strategy', 'b-margin', '--seed', '5', '--cycles', '3']

def n_cycles(out):
    try: return len(json.loads((Path(out)/'results.json').read_text())['cycles'])
    except (OSError, ValueError, KeyError): return 0

def bual_lines(err): return [l for l in err.splitlines() if l.startswith('bual:')]

@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    "The uninterrupted run the interrupted ones must end up equal to."
    out = tmp_path_factory.mktemp('ref')/'run'
    p = bual('run', *ARGS, '--out', out)
    assert p.returncode == 0, p.stderr
    return json.loads((out/'results.json').read_text())

def test_divergence_is_one_line_naming_cycle_model_epoch(tmp_path):
    out = tmp_path/'r1'
    p = bual('run', *TINY, '--strategy', 'b-margin', '--cycles', '2', '--lr', '1e6', '--out', out)
    assert p.returncode == 2 and 'Traceback' not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    line = p.stderr.strip()
    assert line.startswith('bual: error: cycle 0: f_p diverged in epoch') and 'learning rate 1e+06' in line and 'Lower --lr' in line
    assert json.loads((out/'results.json').read_text())['cycles'] == []     # readable, and nothing recorded as done

def test_divergence_after_a_cycle_keeps_it_saved_and_resumable(tmp_path, reference):
    from bual.core import BualError
    from bual.loop import ActiveLearningRun
    from bual.cli import make_parser
    from dataclasses import fields
    from bual.loop import RunConfig
    args = make_parser().parse_args(['run', *ARGS, '--out', str(tmp_path/'run')])
    cfg = {f.name: getattr(args, f.name) for f in fields(RunConfig) if getattr(args, f.name) is not None}
    run = ActiveLearningRun(cfg, out=tmp_path/'run', progress=False)
    run.step()
    run.cfg.lr = 1e6                     # training now diverges, in cycle 1
    with pytest.raises(BualError, match=r'cycle 1: f_p diverged in epoch \d+ .* cycles 0-0 are saved'):
        run.step()
    state = json.loads((tmp_path/'run'/'state.json').read_text())
    assert state['next_cycle'] == 1 and len(state['cycles']) == 1
    res = ActiveLearningRun(cfg, out=tmp_path/'run', resume=True, progress=False).run()
    assert res['status'] == 'finished' and strip_times(res) == strip_times(reference)

def test_output_that_cannot_be_created_is_one_line(tmp_path):
    p = bual('run', *TINY, '--strategy', 'margin', '--out', '/proc/bual-test/run')
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1 and 'Traceback' not in p.stderr
    assert 'cannot create the run folder /proc/bual-test/run' in p.stderr and 'choose another --out' in p.stderr
    q = bual('collect', tmp_path/'missing')
    assert q.returncode == 2 and len(q.stderr.strip().splitlines()) == 1

def test_full_disk_while_saving_keeps_the_last_state(tmp_path, reference):
    one = tmp_path/'one'                                    # how big the files are after one cycle
    assert bual('run', *ARGS[:-1], '1', '--out', one).returncode == 0
    limit = max((one/'state.json').stat().st_size, (one/'results.json').stat().st_size) + 200
    def small_disk():                                       # files may not grow past `limit`: EFBIG instead of SIGXFSZ
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    out = tmp_path/'run'
    p = subprocess.run([BUAL, 'run', *ARGS, '--out', str(out)], capture_output=True, text=True, timeout=300, preexec_fn=small_disk)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert f'cannot save the run in {out}' in p.stderr and 'continue with --resume' in p.stderr
    state = json.loads((out/'state.json').read_text())    # the last state written whole is still there
    assert state['next_cycle'] >= 1 and len(state['cycles']) == state['next_cycle']
    assert not list(out.glob('.*.tmp'))                    # no half-written file left behind
    q = bual('run', *ARGS, '--out', out, '--resume')
    assert q.returncode == 0, q.stderr
    assert strip_times(json.loads((out/'results.json').read_text())) == strip_times(reference)

def test_collect_skips_a_corrupt_run_and_says_so(tmp_path):
    sweep = tmp_path/'sweep'
    for name in ('a', 'b', 'c'):
        assert bual('run', *TINY, '--strategy', 'margin', '--cycles', '1', '--out', sweep/name).returncode == 0
    (sweep/'b'/'results.json').write_text('{"config": {"seed": 0}, "cycles": [')      # torn
    (sweep/'c'/'results.json').write_text('[1, 2]')                                   # JSON, but not a run's
    p = bual('collect', sweep)
    assert p.returncode == 1 and 'Traceback' not in p.stderr
    warned = [l for l in p.stderr.splitlines() if l.startswith('bual: warning: skipping')]
    assert len(warned) == 2 and str(sweep/'b') in warned[0] and str(sweep/'c') in warned[1]
    assert '2 unreadable run folder(s) skipped' in p.stderr
    import pandas as pd
    df = pd.read_csv(sweep/'results.csv')
    assert set(df.run) == {'a'}
    from bual.tables import load_runs                       # the tables and figures read around it too
    assert set(load_runs(sweep).run) == {'a'}

def test_unreadable_fashion_file_names_it(tmp_path):
    from bual.data import FASHION_FILES, write_idx
    import numpy as np
    root = tmp_path/'fm'; root.mkdir()
    write_idx(root/f'{FASHION_FILES[0]}.gz', np.zeros((5, 28, 28), np.uint8))
    write_idx(root/f'{FASHION_FILES[1]}.gz', np.zeros(5, np.uint8))
    write_idx(root/f'{FASHION_FILES[2]}.gz', np.zeros((3, 28, 28), np.uint8))
    (root/f'{FASHION_FILES[3]}.gz').write_bytes(b'not gzip at all')
    p = bual('run', '--dataset', 'fashion_mnist', '--data-root', root, '--out', tmp_path/'run', '--quiet')
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1
    assert f"cannot read {root/FASHION_FILES[3]}.gz" in p.stderr and 'expected an IDX file' in p.stderr
    write_idx(root/f'{FASHION_FILES[3]}.gz', np.zeros((3, 28, 28), np.uint8))          # images where labels belong
    p = bual('run', '--dataset', 'fashion_mnist', '--data-root', root, '--out', tmp_path/'run', '--quiet')
    assert p.returncode == 2 and 'expected Fashion-MNIST labels 0-9' in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert not (tmp_path/'run').exists()

def test_sigterm_during_run_then_resume(tmp_path, reference):
    out, longer = tmp_path/'run', [*ARGS[:-1], '8']            # 8 cycles: the signal lands well before the end
    p = subprocess.Popen([BUAL, 'run', *longer, '--out', str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    t0 = time.time()
    while n_cycles(out) < 1 and p.poll() is None and time.time() - t0 < 240: time.sleep(0.02)
    p.send_signal(signal.SIGTERM)                            # inside cycle 1
    err = p.communicate(timeout=60)[1]
    assert p.returncode == 2, err[-500:]
    assert bual_lines(err) == [l for l in bual_lines(err) if 'stopped by SIGTERM' in l and 'with --resume' in l] != []
    assert 1 <= n_cycles(out) < 8
    q = bual('run', *longer, '--out', out, '--resume')
    assert q.returncode == 0, q.stderr
    res = json.loads((out/'results.json').read_text())
    assert res['status'] == 'finished' and len(res['cycles']) == 8
    assert strip_times(res)[:3] == strip_times(reference)    # a cycle's record does not depend on how many follow

GRID = """grid:
  seed: [0, 1]
fixed:
  dataset: digits
  strategy: b-margin
  openness: 0.6
  cycles: 5
  epochs: 3
  aux_epochs: 3
  nl_epochs: 5
"""

def test_sigterm_during_sweep_then_rerun(tmp_path):
    import psutil
    grid = tmp_path/'grid.yaml'; grid.write_text(GRID)
    out = tmp_path/'sweep'
    p = subprocess.Popen([BUAL, 'sweep', str(grid), '--out', str(out), '--workers', '1'], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    first = out/'seed=0'
    t0 = time.time()
    while n_cycles(first) < 1 and p.poll() is None and time.time() - t0 < 300: time.sleep(0.1)
    p.send_signal(signal.SIGTERM)
    err = p.communicate(timeout=120)[1]
    assert p.returncode == 2, err[-1000:]
    assert any('stopped by SIGTERM' in l and 'rerun the same `bual sweep`' in l for l in bual_lines(err)), err[-1000:]
    time.sleep(1)
    def working_in(folder):                                  # no kernel or child left running in the sweep
        found = []
        for q in psutil.process_iter(['cwd']):
            try:
                if q.info['cwd'] and Path(q.info['cwd']).is_relative_to(folder): found.append(q.pid)
            except (psutil.Error, ValueError): pass
        return found
    assert working_in(out) == []
    saved = n_cycles(first)
    assert 1 <= saved < 5 and not (first/'done.json').exists()
    q = bual('sweep', grid, '--out', out, '--workers', '1', timeout=600)
    assert q.returncode == 0, q.stderr[-2000:]
    res = json.loads((first/'results.json').read_text())
    assert res['status'] == 'finished' and len(res['cycles']) == 5
    assert json.loads((first/'config.json').read_text())['provenance'][-1]['from_cycle'] == saved   # continued, not restarted

@pytest.mark.parametrize('args', [['sweep', 'GRID', '--out', '/proc/bual-test/sweep'],
                                  ['experiment', 'tables', '--save', '/proc/bual-test/tables.ipynb'],
                                  ['bench', '--quick', '--out', '/proc/bual-test/bench.json']])
def test_other_outputs_that_cannot_be_written_are_one_line(tmp_path, args):
    grid = tmp_path/'grid.yaml'; grid.write_text(GRID)
    p = bual(*[str(grid) if a == 'GRID' else a for a in args], timeout=600)
    assert p.returncode == 2 and 'Traceback' not in p.stderr, p.stderr[-1000:]
    assert bual_lines(p.stderr) == [l for l in p.stderr.splitlines() if l.startswith('bual: error: cannot') and '/proc/bual-test' in l] != []
