import os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
BUAL = str(Path(sys.executable).with_name('bual'))
# tiny settings: a run of digits takes a few seconds on two cores
TINY = ['--dataset', 'digits', '--openness', '0.6', '--epochs', '3', '--aux-epochs', '3', '--nl-epochs', '5', '--quiet']

def bual(*args, timeout=300, **kw):
    "Run the installed `bual` command; returns the CompletedProcess."
    env = {**os.environ, 'PYTHONUNBUFFERED': '1'}
    return subprocess.run([BUAL, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env, **kw)

@pytest.fixture
def tiny(): return list(TINY)

def strip_times(res):
    "A run's cycle records without their timings (which differ between identical runs)."
    return [{k: v for k, v in c.items() if not k.startswith('time')} for c in res['cycles']]
