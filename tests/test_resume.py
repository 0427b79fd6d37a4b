"Kill `bual run` with SIGKILL at several moments; `--resume` must end with the uninterrupted results."
import json, signal, subprocess, time
import pytest
from conftest import BUAL, TINY, bual, strip_times

ARGS = [*TINY, '--strategy', 'b-margin', '--seed', '5', '--cycles', '4']

def n_cycles(out):
    try: return len(json.loads((out/'results.json').read_text())['cycles'])
    except (OSError, ValueError, KeyError): return 0

def kill_after(out, cycles_done, extra_delay):
    "Start a run, wait until `cycles_done` cycles are saved plus `extra_delay` seconds, then SIGKILL it."
    p = subprocess.Popen([BUAL, 'run', *ARGS, '--out', str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while n_cycles(out) < cycles_done and p.poll() is None and time.time() - t0 < 240: time.sleep(0.02)
    time.sleep(extra_delay)
    p.send_signal(signal.SIGKILL); p.wait()
    return n_cycles(out)

@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp('ref')/'run'
    assert bual('run', *ARGS, '--out', out).returncode == 0
    return json.loads((out/'results.json').read_text())

@pytest.mark.parametrize('cycles_done,delay', [(0, 0.3), (0, 2.5), (1, 0.7), (2, 0.0)])
def test_kill_then_resume_matches_uninterrupted(tmp_path, reference, cycles_done, delay):
    out = tmp_path/'run'
    kill_after(out, cycles_done, delay)
    p = bual('run', *ARGS, '--out', out, '--resume')
    assert p.returncode == 0, p.stderr
    res = json.loads((out/'results.json').read_text())
    assert res['status'] == 'finished'
    assert strip_times(res) == strip_times(reference)

def test_two_kills_in_a_row(tmp_path, reference):
    out = tmp_path/'run'
    kill_after(out, 1, 0.2)
    first = n_cycles(out)
    p = subprocess.Popen([BUAL, 'run', *ARGS, '--out', str(out), '--resume'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while n_cycles(out) <= first and p.poll() is None and time.time() - t0 < 240: time.sleep(0.02)
    p.send_signal(signal.SIGKILL); p.wait()
    assert bual('run', *ARGS, '--out', out, '--resume').returncode == 0
    assert strip_times(json.loads((out/'results.json').read_text())) == strip_times(reference)
