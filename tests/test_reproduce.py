"""The committed results stay what the code computes: a few committed digits runs, rerun now, give the same numbers bitwise.

Each rerun uses the CPU thread count the committed table records for the run (`cpu_threads`; `make figures` runs one thread
per run), in a child process."""
import json, math, subprocess, sys
import pandas as pd
import pytest
from conftest import ROOT

# (committed table, strategy, openness, seed, Table 2 variant options): one run of each kind of method
CASES = [('table1_digits', 'b-margin', 0.6, 0, {}), ('table1_digits', 'margin', 0.4, 1, {}),
         ('table1_digits', 'lfosa', 0.8, 2, {}), ('table1_digits', 'coreset', 0.2, 0, {}),
         ('table1_digits', 'dias', 0.6, 2, {}), ('table1_digits', 'ccal', 0.4, 0, {}),
         ('table1_digits', 'eaoa', 0.6, 1, {}), ('table1_digits', 'eoal', 0.4, 0, {}),
         ('table2_digits', 'b-margin', 0.6, 1, dict(mode='official', aux=False))]

CHILD = """
import json, sys
from bual.core import cpu_threads
from bual.loop import ActiveLearningRun
with cpu_threads(int(sys.argv[2])): print(json.dumps(ActiveLearningRun(json.loads(sys.argv[1]), progress=False).run()))
"""

def committed_run(table, strategy, openness, seed, variant):
    "The committed rows of one run, read through the library's loader (which reads older metric names too)."
    from bual.tables import load_runs
    df = load_runs(ROOT/'figures'/'results'/f'{table}.csv.gz')
    sel = (df.strategy == strategy) & (df.openness == openness) & (df.seed == seed)
    for k, v in {'mode': 'paper', 'aux': True, 'balance': True, 'bu_terms': 'both', **variant}.items(): sel &= df[k] == v
    rows = df[sel].sort_values('cycle')
    assert rows.cycle.tolist() == list(range(8)), f"{table} {strategy} {openness} {seed} {variant}: not one whole run"
    return rows

def config_of(row):
    from bual.tables import CONFIG_COLS
    plain = lambda v: None if isinstance(v, float) and math.isnan(v) else (v.item() if hasattr(v, 'item') else v)
    return {**{k: plain(row[k]) for k in CONFIG_COLS if k in row.index}, 'cache_dir': None}   # computed afresh, not read back

@pytest.mark.parametrize('table,strategy,openness,seed,variant', CASES, ids=[f"{c[1]}-{c[2]}-{c[3]}{'-' + c[0] if c[4] else ''}" for c in CASES])
def test_committed_run_reproduces_bitwise(table, strategy, openness, seed, variant):
    from bual.runfolder import run_rows
    committed = committed_run(table, strategy, openness, seed, variant)
    cfg = config_of(committed.iloc[0])
    threads = int(committed.cpu_threads.iloc[0])
    p = subprocess.run([sys.executable, '-c', CHILD, json.dumps(cfg), str(threads)], capture_output=True, text=True, timeout=600,
                       env={'OMP_NUM_THREADS': str(threads), 'PATH': '/usr/bin:/bin'})
    assert p.returncode == 0, p.stderr[-2000:]
    rerun = pd.DataFrame(run_rows(json.loads(p.stdout.strip().splitlines()[-1]), 'rerun'))
    assert 'query_precision' in rerun and 'r_next' not in rerun        # today's names, on both sides
    metrics = [c for c in committed.columns if c in rerun.columns and not c.startswith('time')
               and c not in ('run', 'variant', 'cpu_threads', 'cache_dir', 'reused_from_cache')]
    assert {'accuracy', 'n_query_known', 'cycle'} <= set(metrics)
    for m in metrics:
        if committed[m].isna().all(): continue  # not recorded yet when the committed run was made
        a, b = committed[m].tolist(), rerun[m].tolist()
        same = [x == y or (isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y)) or
                (x is None and isinstance(y, float) and math.isnan(y)) or (y is None and isinstance(x, float) and math.isnan(x)) for x, y in zip(a, b)]
        assert all(same), f"{m}: committed {a} != rerun {b}"
