"The `bual run` command: outputs, one-line errors with exit code 2, nothing overwritten, determinism."
import json
import pytest
from conftest import bual, TINY, strip_times

def test_run_writes_config_and_results(tmp_path):
    out = tmp_path/'run'
    p = bual('run', *TINY, '--strategy', 'b-margin', '--seed', '0', '--cycles', '2', '--out', out)
    assert p.returncode == 0, p.stderr
    cfg = json.loads((out/'config.json').read_text())
    res = json.loads((out/'results.json').read_text())
    assert cfg['strategy'] == 'b-margin' and cfg['epochs'] == 3 and cfg['cycles'] == 2
    prov = cfg.pop('provenance')
    assert res['config'] == cfg and res['status'] == 'finished'
    assert len(prov) == 1 and prov[0]['from_cycle'] == 0 and prov[0]['device'] == 'cpu' and prov[0]['cpu_threads'] >= 1
    assert bual('run', *TINY, '--strategy', 'b-margin', '--seed', '0', '--cycles', '2', '--out', out, '--resume').returncode == 0
    assert json.loads((out/'config.json').read_text())['provenance'][0] == prov[0]   # a resume keeps the first entry
    assert [c['cycle'] for c in res['cycles']] == [0, 1]
    for key in ('accuracy', 'query_precision', 'query_recall', 'n_labeled_known', 'n_labeled_unknown', 'time_fp', 'time_aux',
                'time_rlnl', 'time_select', 'auroc_unknown_if_confident_fp', 'auroc_unknown_if_confident_neg'):
        assert key in res['cycles'][0], key

def test_same_command_twice_gives_identical_results(tmp_path):
    args = [*TINY, '--strategy', 'b-entropy', '--seed', '3', '--cycles', '2']
    assert bual('run', *args, '--out', tmp_path/'a').returncode == 0
    assert bual('run', *args, '--out', tmp_path/'b').returncode == 0
    a, b = (json.loads((tmp_path/x/'results.json').read_text()) for x in 'ab')
    assert strip_times(a) == strip_times(b)
    assert a['config'] == b['config']

def test_different_seeds_differ(tmp_path):
    for s in (0, 1): assert bual('run', *TINY, '--strategy', 'random', '--seed', s, '--cycles', '1', '--out', tmp_path/f's{s}').returncode == 0
    a, b = (json.loads((tmp_path/f's{s}'/'results.json').read_text()) for s in (0, 1))
    assert strip_times(a) != strip_times(b)

BAD = [
    (['--dataset', 'mnist'], "unknown dataset 'mnist'"),
    (['--strategy', 'bald'], "unknown strategy 'bald'"),
    (['--openness', '1.5'], 'strictly between 0 and 1'),
    (['--openness', '0.95'], 'K must be at least 2'),
    (['--budget', '5000'], 'exceeds the'),
    (['--init-ratio', '0.0001'], 'raise --init-ratio'),
    (['--openness', 'abc'], "invalid float value: 'abc'"),
    (['--cycles', '0'], 'cycles must be a positive integer'),
    (['--nl-stop', 'never'], "unknown nl_stop 'never'"),
]

@pytest.mark.parametrize('extra,msg', BAD)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, extra, msg):
    out = tmp_path/'run'
    p = bual('run', *TINY, '--strategy', 'margin', '--out', out, *extra)
    assert p.returncode == 2
    assert msg in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and 'Traceback' not in p.stderr
    assert not out.exists()

def test_missing_dataset_names_the_folders(tmp_path):
    p = bual('run', *TINY, '--dataset', 'cifar10', '--data-root', tmp_path, '--out', tmp_path/'run')
    assert p.returncode == 2 and str(tmp_path) in p.stderr and 'cifar-10-batches-py' in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1

def test_non_empty_out_is_refused_and_untouched(tmp_path):
    out = tmp_path/'run'; out.mkdir()
    (out/'notes.txt').write_text('mine')
    p = bual('run', *TINY, '--strategy', 'margin', '--out', out)
    assert p.returncode == 2 and 'pass --resume' in p.stderr
    assert [f.name for f in out.iterdir()] == ['notes.txt'] and (out/'notes.txt').read_text() == 'mine'

def test_corrupt_state_on_resume_is_refused_and_untouched(tmp_path):
    out = tmp_path/'run'
    args = [*TINY, '--strategy', 'margin', '--cycles', '2', '--out', out]
    assert bual('run', *args).returncode == 0
    (out/'state.json').write_text('{"pools": [1, 2')
    before = {f.name: f.read_bytes() for f in out.iterdir()}
    p = bual('run', *args, '--resume')
    assert p.returncode == 2 and 'corrupt' in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert {f.name: f.read_bytes() for f in out.iterdir()} == before

def test_resume_with_other_options_is_refused(tmp_path):
    out = tmp_path/'run'
    assert bual('run', *TINY, '--strategy', 'margin', '--cycles', '1', '--out', out).returncode == 0
    p = bual('run', *TINY, '--strategy', 'margin', '--cycles', '1', '--seed', '4', '--out', out, '--resume')
    assert p.returncode == 2 and 'seed=0, not 4' in p.stderr

def test_resume_of_finished_run_does_nothing(tmp_path):
    out = tmp_path/'run'
    args = [*TINY, '--strategy', 'lc', '--cycles', '1', '--out', out]
    assert bual('run', *args).returncode == 0
    before = (out/'state.json').read_bytes()
    p = bual('run', *args[:-1], out, '--resume')
    assert p.returncode == 0 and (out/'state.json').read_bytes() == before

@pytest.mark.parametrize('args,msg', [(['sweep', 'grid.yaml', '--out', 'x', '--engine', 'slurm'], "invalid choice: 'slurm'"),
                                      (['bench', '--device', 'tpu'], "invalid choice: 'tpu'")])
def test_engine_and_bench_device_take_only_their_choices(tmp_path, args, msg):
    p = bual(*args, cwd=tmp_path)
    assert p.returncode == 2 and msg in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []

@pytest.mark.parametrize('command,hint', [(['run', *TINY, '--strategy', 'margin', '--cycles', '2', '--epochs', '3000'], 'with --resume'),
                                          (['demo', '--seeds', '1'], 'rerun `bual demo`')])
def test_ctrl_c_says_how_to_continue_that_command(tmp_path, command, hint):
    import signal, subprocess, time
    from conftest import BUAL
    started = tmp_path/('out' if command[0] == 'run' else 'runs')        # the folder each command creates once at work
    extra = ['--out', str(tmp_path/'out')] + (['--runs', str(tmp_path/'runs')] if command[0] == 'demo' else [])
    p = subprocess.Popen([BUAL, *command, *extra], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=tmp_path)
    t0 = time.time()
    while not started.exists() and p.poll() is None and time.time() - t0 < 120: time.sleep(0.05)
    time.sleep(1.0)                                  # inside the work
    p.send_signal(signal.SIGINT)
    err = p.communicate(timeout=60)[1]
    assert p.returncode == 130, err[-500:]
    assert any(line.startswith('bual: interrupted;') and hint in line for line in err.splitlines()), err[-500:]
