"""The GPU speed measurements, in one prepared run: what a paper-scale cycle and a Table 1 grid cost, how many
runs to put on one GPU, and whether torch.compile pays over a whole run.

    BUAL_DATA=FOLDER python benchmarks/gpu_speed.py OUT [--parts cycle,grid,share,compile] [--work DIR]
    python benchmarks/gpu_speed.py OUT --report      # the figures of the parts in OUT, as Markdown

FOLDER holds Fashion-MNIST's four IDX files (the share and compile parts run real paper-profile runs on it; the
cycle and the grid use CIFAR-shaped synthetic data). Parts run in the order given (by default the most wanted
first). Each writes OUT/<part>.json (with the machine and the date) as soon as it ends and prints its table, so a
run cut short keeps what it finished. OUT must be new or empty and receives nothing else (the runs go to DIR, by
default a temporary folder): on a remote machine it can be the folder that is copied back, also from a command
stopped at its time limit. On a GPU machine without network access whose Python lacks fastcore, bring its wheel
(`pip download --no-deps --only-binary=:all: --python-version 3.12 -d .whl fastcore`) and Fashion-MNIST's files
along, and run, in two commands where one would outlast a 10-minute limit:

    python3 -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site \
      PYTHONUNBUFFERED=1 BUAL_DATA=data/fashion-mnist && python3 benchmarks/gpu_speed.py $OUT --parts cycle,grid

Settings (environment variables, defaults in brackets):

- CYCLE_EPOCHS [100]: the paper-scale CIFAR-10-shaped cycle of `bual bench --device cuda`, alone (after the
  change to float32 predictions, which the H100 figures of 2026-11-26 predate), then the same cycle with
  `--overlap` (f_aux and the scoring passes on CUDA streams of their own, beside f_p and f_n): its wall time and
  the share of its query the plain cycle also picks. If it pays, `overlap` becomes the default on CUDA.
- GRID_EPOCHS [5]: every Table 1 method runs two cycles at GRID_EPOCHS and at twice as many (CCAL's contrastive
  encoders at a fifth of those), and the line through the two timings is continued to the paper's 100 epochs
  (`bual bench --grid`); GRID_OVERLAP [0]: 1 times the grid's cycles with their phases overlapped.
- SHARE_EPOCHS [10], SHARE_K [1,2,4], SHARE_ENGINE [ray where installed, else processes]: k two-cycle B-Margin
  runs at once on one GPU, through a Ray sweep (`bual sweep --engine ray --gpus-per-run 1/k`) or as k `bual run`
  processes (Ray's 79 MB wheel cannot travel to a lent GPU machine; both put k processes on the one GPU), with
  20% of the known examples labeled at the start and |D_sub| = 5000 so that training dominates. The aggregate
  rate counts the training images of every run over the span from the first run's first cycle to the last run's
  last cycle (scoring included, start-up not). Each group of runs is measured on its own: one that fails gets a
  row with its error. SHARE_TIMEOUT [300] bounds a group in seconds (after the single run, also about twice k
  times its time).
- COMPILE_EPOCHS [10]: one three-cycle run without torch.compile, one with it and an empty inductor cache (cold),
  one more with the cache the cold run left (warm), each in its own process; a paper run (8 cycles, 100 epochs)
  is extrapolated from the last cycle, when every model has been compiled.

Without NVIDIA's MPS daemon, processes on one GPU take turns on it (time slices) rather than running their kernels
side by side, so k runs at once gain only what one run leaves idle between its kernels. So the share part also runs
the k > 1 processes under MPS where `nvidia-cuda-mps-control` (or MPS_CONTROL) is found, and stops its daemon after
(SHARE_MPS=0 skips it; a failure to start or to run under it is recorded beside the figures without it). The
overlapped cycle (streams within one process) is the other way to fill the GPU.

On a machine without CUDA it runs everything on the CPU at toy sizes (digits, CPU profile, no fractional GPUs): a
check of the script, not figures.
"""
import argparse, contextlib, datetime, json, os, shutil, signal, subprocess, sys, tempfile, time, traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import torch
from bual.bench import machine_info, training_seconds
from bual.runfolder import run_folders

CUDA = torch.cuda.is_available()
DATASET, PROFILE = ('fashion_mnist', 'paper') if CUDA else ('digits', 'cpu')


def machine() -> str:
    "The machine the figures come from, read without starting CUDA in this process (MPS may not start beside a CUDA context)."
    if not CUDA: return machine_info(torch.device('cpu'))
    try: name = subprocess.run(['nvidia-smi', '--query-gpu=name', '--format=csv,noheader'], capture_output=True, text=True,
                               timeout=30).stdout.strip().splitlines()[0]
    except Exception: name = 'an NVIDIA GPU (nvidia-smi did not say which)'
    return f'{name}, torch {torch.__version__}'


def bual_command(*args) -> list:
    "The command line of the bual CLI with `args`, from this checkout."
    return [sys.executable, '-c', 'from bual.cli import main; main()', *map(str, args)]


def child(cmd:list, what:str, env=None, show=False) -> float:
    "Run `cmd` from the checkout (its output passed on as it comes if `show`); returns its wall seconds, raises with its stderr when it fails."
    t = time.perf_counter()
    sys.stdout.flush()
    p = subprocess.run(cmd, cwd=ROOT, env={**os.environ, 'PYTHONUNBUFFERED': '1', **(env or {})},
                       stdout=None if show else subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)   # a run cut short still shows its progress
    if p.returncode: raise RuntimeError(f"{what} failed:\n{p.stderr[-3000:]}")
    return time.perf_counter() - t


def bual(*args, env=None, show=False) -> float:
    "Run the bual CLI in a child process (see `child`); returns its wall seconds."
    return child(bual_command(*args), f"bual {' '.join(map(str, args))}", env, show)


def training_images(rec:dict, epochs:int) -> int:
    "Images the cycle's f_p, f_aux and RLNL trained on (every model at `epochs` epochs)."
    lk, lu = rec['n_labeled_known'], rec['n_labeled_unknown']
    return epochs * lk + (epochs * (lk + lu) if lu else 0) + rec.get('nl_epochs_run', 0) * (lk + rec.get('n_sub', 0))


def part_grid(work:Path) -> dict:
    "`bual bench --grid`: two cycles of each Table 1 method at GRID_EPOCHS and twice as many, extrapolated to 100."
    epochs = int(os.environ.get('GRID_EPOCHS', 5))
    args = ['bench', '--grid', '--paper-epochs', epochs, '--out', work/'grid.json'] + (['--device', 'cuda'] if CUDA else ['--quick'])
    if os.environ.get('GRID_OVERLAP') == '1': args.append('--overlap')
    wall = bual(*args, show=True)
    res = json.loads((work/'grid.json').read_text())
    res['wall_s'] = wall
    return res


def run_options(epochs:int) -> dict:
    "The runs of the share and compile parts: two cycles of B-Margin, sized so that training dominates."
    if not CUDA: return dict(dataset=DATASET, profile=PROFILE, cycles=2, openness=0.6, strategy='b-margin', epochs=epochs,
                             aux_epochs=epochs, nl_epochs=epochs)
    return dict(dataset=DATASET, profile=PROFILE, cycles=2, openness=0.6, strategy='b-margin', init_ratio=0.2, sub_size=5000,
                budget=1500, epochs=epochs, aux_epochs=epochs, nl_epochs=epochs)


def run_args(folder:Path, options:dict) -> list:
    "`bual run` arguments for a run of `options` into `folder`."
    args = ['run', '--out', folder, '--quiet']
    for key, v in options.items(): args += [f"--{key.replace('_', '-')}", v]
    return args


MPS_CONTROL = os.environ.get('MPS_CONTROL') or shutil.which('nvidia-cuda-mps-control') or next(
    (p for p in ('/usr/local/nvidia/bin/nvidia-cuda-mps-control', '/usr/bin/nvidia-cuda-mps-control') if os.path.exists(p)), None)


@contextlib.contextmanager
def mps_daemon(work:Path):
    "NVIDIA's MPS daemon while inside: yields the environment its clients need and a dict that says, after, whether it quit."
    env = dict(CUDA_MPS_PIPE_DIRECTORY=str(work/'mps_pipe'), CUDA_MPS_LOG_DIRECTORY=str(work/'mps_log'))
    for folder in env.values(): Path(folder).mkdir(parents=True, exist_ok=True)
    started = subprocess.run([MPS_CONTROL, '-d'], env={**os.environ, **env}, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True, timeout=30)   # the daemon must not hold this script's output open
    if started.returncode: raise RuntimeError(f"{MPS_CONTROL} -d failed ({started.returncode}): {started.stderr.strip()[-500:]}")
    state = {}
    try: yield env, state
    finally:   # also when the runs failed, or this script was told to stop (SIGTERM): the daemon outlives it otherwise
        q = subprocess.run([MPS_CONTROL], input='quit\n', env={**os.environ, **env}, capture_output=True, text=True, timeout=60)
        state['quit'] = 'ok' if q.returncode == 0 else f'failed ({q.returncode}): {q.stderr.strip()[-500:]}'


def share_row(work:Path, engine:str, k:int, epochs:int, env:dict=None, timeout:float=None) -> dict:
    "k two-cycle runs at once through `engine` (in the environment `env`): their training images per second together."
    import yaml
    folder = work/f"share_{k}{'_mps' if env else ''}"
    t, timeout = time.perf_counter(), min(timeout or float('inf'), float(os.environ.get('SHARE_TIMEOUT', 300)))
    if engine == 'ray':
        grid = folder.with_suffix('.yaml')
        grid.write_text(yaml.safe_dump(dict(grid=dict(seed=list(range(k))), fixed=run_options(epochs))))
        bual('sweep', grid, '--out', folder, '--engine', 'ray', '--gpus-per-run', (1 / k) if CUDA else 0, '--cpus-per-run', 1, env=env)
    else:
        logs = [folder.with_name(f'{folder.name}_seed{s}.err') for s in range(k)]   # files: a pipe read in turn could stall a run
        procs = [subprocess.Popen(bual_command(*run_args(folder/f'seed{s}', {**run_options(epochs), 'seed': s})), cwd=ROOT,
                                  env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=open(log, 'w'))
                 for s, log in zip(range(k), logs)]
        try:
            for p in procs: p.wait(timeout=max(1.0, t + timeout - time.perf_counter()))
        except BaseException as e:   # a GPU shared in a way that does not work can hang its clients rather than fail them
            for p in procs: p.kill()
            for p in procs: p.wait()
            if isinstance(e, subprocess.TimeoutExpired):
                raise RuntimeError(f"{k} runs at once{' under MPS' if env else ''} did not end within {timeout:.0f} s (SHARE_TIMEOUT caps it)") from None
            raise
        failed = [log for p, log in zip(procs, logs) if p.returncode]
        if failed: raise RuntimeError(f"a run of {k} at once failed:\n{failed[0].read_text()[-3000:]}")
    wall = time.perf_counter() - t
    images, spans = 0, []
    for f in run_folders(folder):   # each run's cycles ended when its results.json was last written (after each cycle)
        recs, end = f.results()['cycles'], (f.path/'results.json').stat().st_mtime
        images += sum(training_images(r, epochs) for r in recs)
        spans.append((end - sum(c['time_total'] for c in recs), end))
    window = max(e for _, e in spans) - min(s for s, _ in spans)
    print(f"  {k} at once ({engine}{', MPS' if env else ''}): {images / window:,.0f} training images/s together while their cycles ran "
          f"({window:.0f} s), {wall:.0f} s in all", flush=True)
    return dict(runs_at_once=k, mps=bool(env), wall_s=wall, cycles_window_s=window, training_images=images,
                aggregate_images_per_s=images / window, runs_per_hour=k * 3600 / wall)


def measured(rows:list, k:int, mps:bool, *args, **kw) -> bool:
    "Append `share_row(*args, **kw)` to `rows`, or a row with its error (the groups measured before stand); whether it was measured."
    try: rows.append(share_row(*args, **kw)); return True
    except Exception as e:
        rows.append(dict(runs_at_once=k, mps=mps, error=f'{type(e).__name__}: {e}'[:3000]))
        print(f"  {k} at once{' under MPS' if mps else ''}: FAILED {rows[-1]['error'][:500]}", flush=True)
        return False


def part_share(work:Path) -> dict:
    "k runs sharing one GPU (Ray's fractional GPUs, or k processes where Ray is not installed), and k processes under MPS: their training images per second together."
    epochs = int(os.environ.get('SHARE_EPOCHS', os.environ.get('RAY_EPOCHS', 10)))
    try: import ray; engine = 'ray'
    except ImportError: engine = 'processes'   # Ray's wheel (79 MB) cannot travel to a lent GPU machine; the GPU is shared the same way
    engine = os.environ.get('SHARE_ENGINE', engine)
    if engine not in ('ray', 'processes'): raise ValueError(f"SHARE_ENGINE must be ray or processes, not {engine!r}")
    ks = [int(v) for v in os.environ.get('SHARE_K', os.environ.get('RAY_K', '1,2,4')).split(',')]
    rows, mps, alone = [], None, None
    limit = lambda k: None if alone is None else 60 + 2 * k * alone   # k runs take about k times as long as one at most, unless they hang
    for k in ks:
        measured(rows, k, False, work, engine, k, epochs, timeout=limit(k))
        if k == 1 and 'wall_s' in rows[-1]: alone = rows[-1]['wall_s']
    if (CUDA and os.environ.get('SHARE_MPS', '1') == '1') or os.environ.get('SHARE_MPS') == 'always':   # 'always': on a CPU too (a check)
        try:
            if MPS_CONTROL is None: raise FileNotFoundError('nvidia-cuda-mps-control not found')
            with mps_daemon(work) as (env, state):
                for k in (k for k in ks if k > 1):
                    if not measured(rows, k, True, work, 'processes', k, epochs, env, timeout=limit(k)):
                        break   # MPS does not work here: spare the GPU's time
            mps = 'ran' if state.get('quit') == 'ok' else f"ran, but the daemon's quit {state.get('quit')}"
        except Exception as e:   # the figures without MPS stand
            mps = f'{type(e).__name__}: {e}'[:2000]
            print(f'  MPS: {mps}', flush=True)
    first = next((r for r in rows if 'error' not in r), None)
    if first is None: raise RuntimeError(f"no group of runs was measured; the first said: {rows[0]['error']}")
    for r in rows:
        if 'error' not in r: r['grid_speedup_vs_first'] = r['runs_per_hour'] / first['runs_per_hour']
    return dict(engine=engine, epochs=epochs, options=run_options(epochs), mps=mps, rows=rows)


def part_compile(work:Path) -> dict:
    "Three-cycle runs eager, compiled on a cold inductor cache and on a warm one: the compiled speed, what compiling costs, a paper run."
    epochs, cycles = int(os.environ.get('COMPILE_EPOCHS', 10)), 3
    cache = Path(tempfile.mkdtemp(prefix='inductor-'))
    modes = {}
    for name, extra, env in (('eager', [], {}), ('compile, cold cache', ['--compile'], {'TORCHINDUCTOR_CACHE_DIR': str(cache)}),
                             ('compile, warm cache', ['--compile'], {'TORCHINDUCTOR_CACHE_DIR': str(cache)})):
        folder = work/('run_' + name.replace('compile, ', 'compiled_').replace(' cache', ''))
        wall = bual(*run_args(folder, {**run_options(epochs), 'cycles': cycles}), '--device', 'cuda' if CUDA else 'cpu', *extra, env=env)
        recs = json.loads((folder/'results.json').read_text())['cycles']
        modes[name] = dict(wall_s=wall, cycle_s=[c['time_total'] for c in recs], training_s=[training_seconds(c) for c in recs],
                           accuracy=[c['accuracy'] for c in recs], paper_cycle_s=paper_cycle(recs[-1], epochs))
        print(f"  {name}: {wall:.1f} s for the run, cycles {', '.join(f'{c:.1f}' for c in modes[name]['cycle_s'])} s", flush=True)
    eager = modes['eager']
    # a paper run: 8 cycles like the last one measured (every model compiled by then), training scaled to 100 epochs
    train_paper = 8 * eager['training_s'][-1] * 100 / epochs
    eager['paper_run_s'] = eager['wall_s'] - sum(eager['cycle_s']) + 8 * eager['paper_cycle_s']
    for name, m in modes.items():
        if name == 'eager': continue
        m['training_speed'] = eager['training_s'][-1] / m['training_s'][-1]          # steady state, after compilation
        # what compiling cost: the run's wall beyond the eager run's, had the eager run trained at the compiled speed
        m['compile_overhead_s'] = m['wall_s'] - (eager['wall_s'] - sum(eager['training_s']) * (1 - 1 / m['training_speed']))
        m['paper_run_s'] = eager['paper_run_s'] - train_paper * (1 - 1 / m['training_speed']) + m['compile_overhead_s']
        m['pays_over_a_paper_run'] = m['paper_run_s'] < eager['paper_run_s']
        print(f"  {name}: training {m['training_speed']:.2f}x, compilation {m['compile_overhead_s']:.0f} s; a paper run "
              f"{m['paper_run_s'] / 60:.1f} min against {eager['paper_run_s'] / 60:.1f} min eager", flush=True)
    return dict(epochs=epochs, cycles=cycles, options=run_options(epochs), modes=modes)


def paper_cycle(c:dict, epochs:int) -> float:
    "Cycle `c` with its training and RLNL's snapshots scaled from `epochs` to 100 epochs: a rough estimate."
    return training_seconds(c) * 100 / epochs + (c.get('time_rlnl_snapshots') or 0.0) * 100 / epochs + c['time_score'] + c['time_select']


def part_cycle(work:Path) -> dict:
    "One paper-scale CIFAR-10-shaped B-Margin cycle at 100 epochs, by phase (CUDA only: a ResNet18 cycle takes hours on a CPU)."
    from bual.bench import format_rows
    if not CUDA: return dict(rows=[], skipped='no CUDA device')
    # in a child process, like every other part: this one keeps no CUDA context open (MPS's server may not start beside one)
    code = ('import json, sys, torch\nfrom bual.bench import bench_paper_cycle\n'
            'json.dump(bench_paper_cycle(torch.device("cuda"), int(sys.argv[1])), open(sys.argv[2], "w"))')
    child([sys.executable, '-c', code, os.environ.get('CYCLE_EPOCHS', '100'), str(work/'cycle_rows.json')], 'the paper-scale cycle', show=True)
    rows = json.loads((work/'cycle_rows.json').read_text())
    print(format_rows(rows), flush=True)
    return dict(rows=rows)


PARTS = dict(cycle=part_cycle, grid=part_grid, share=part_share, compile=part_compile)   # the most wanted first


def report(out:Path) -> str:
    "The figures of the parts in `out`, as Markdown: each with its machine and date."
    from bual.bench import format_rows
    from bual.core import markdown_table
    f = lambda v, d=1: '' if v is None else f'{v:,.{d}f}'
    lines = []
    for name in PARTS:
        if not (out/f'{name}.json').exists(): continue
        res = json.loads((out/f'{name}.json').read_text())
        lines.append(f"### {name}: {res.get('machine', '?')}, {res.get('date', '?')}, {res.get('part_s', 0):.0f} s")
        if 'error' in res: lines.append(f"failed: {res['error']}")
        elif name in ('cycle', 'grid'): lines.append(format_rows(res['rows']) if res.get('rows') else res.get('skipped', 'no rows'))
        elif name == 'share':
            lines.append(f"{res['engine']}, {res['epochs']} epochs, {res['options']}")
            if res.get('mps') not in (None, 'ran'): lines.append(f"MPS: {res['mps']}")
            lines.append(markdown_table(['runs at once', 'MPS', 'training images/s together', "cycles' span s", 'wall s', 'runs per hour vs one at a time'],
                                        [[r['runs_at_once'], 'yes' if r.get('mps') else 'no'] + ([f"failed: {r['error'][:200]}", '', '', ''] if 'error' in r else
                                          [f(r['aggregate_images_per_s'], 0), f(r['cycles_window_s']), f(r['wall_s']), f"{r['grid_speedup_vs_first']:.2f}x"])
                                         for r in res['rows']], 'rlrrrr'))
        else:
            lines.append(f"{res['cycles']} cycles at {res['epochs']} epochs, {res['options']}")
            lines.append(markdown_table(['mode', 'run wall s', 'cycles s', 'training speed', 'compilation s', 'paper run min'],
                                        [[mode, f(m['wall_s']), ', '.join(f(c) for c in m['cycle_s']),
                                          f"{m['training_speed']:.2f}x" if 'training_speed' in m else '', f(m.get('compile_overhead_s'), 0),
                                          f(m['paper_run_s'] / 60)] for mode, m in res['modes'].items()], 'lrlrrr'))
        lines.append('')
    done = {n: json.loads((out/f'{n}.json').read_text()) for n in ('grid', 'share') if (out/f'{n}.json').exists()}
    if len(done) == 2 and not any('error' in r or not r.get('rows') for r in done.values()) and any('error' not in r for r in done['share']['rows']):
        hours, best = done['grid']['rows'][-1]['engine'], max((r for r in done['share']['rows'] if 'error' not in r), key=lambda r: r['grid_speedup_vs_first'])
        lines.append(f"The grid with {best['runs_at_once']} runs at once{' under MPS' if best.get('mps') else ''}: about "
                     f"{hours / best['grid_speedup_vs_first']:.1f} device-hours ({hours:.1f} one at a time over the share part's "
                     f"{best['grid_speedup_vs_first']:.2f}x runs per hour, measured on two-cycle B-Margin runs: an estimate)")
    return '\n'.join(lines) or f'no parts in {out}'


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('out', help="the parts' JSON files (a new or empty folder)")
    ap.add_argument('--parts', default=','.join(PARTS))
    ap.add_argument('--work', help='where the runs go (default: a temporary folder)')
    ap.add_argument('--report', action='store_true', help='print the figures of the parts already in OUT as Markdown; run nothing')
    a = ap.parse_args()
    out = Path(a.out)
    if a.report: print(report(out)); sys.exit(0)
    unknown = set(a.parts.split(',')) - set(PARTS)
    if unknown: ap.error(f"unknown part(s) {', '.join(sorted(unknown))}; choose from {', '.join(PARTS)}")
    if out.exists() and any(out.iterdir()): sys.exit(f"gpu_speed.py: {out} is not empty; give a new folder (its parts' results would be overwritten)")
    work = Path(a.work) if a.work else Path(tempfile.mkdtemp(prefix='gpu_speed-'))
    if work.exists() and any(work.iterdir()): sys.exit(f"gpu_speed.py: {work} is not empty; give a new folder (finished sweeps and runs there would be skipped)")
    out.mkdir(parents=True, exist_ok=True); work.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # a time limit's SIGTERM still runs the cleanups (MPS's quit)
    print(machine() if CUDA else f'no CUDA device: {machine()}, toy sizes', flush=True)
    failed = []
    for name in a.parts.split(','):
        t = time.perf_counter()
        print(f'[{name}]', flush=True)
        try: res = PARTS[name](work)
        except Exception as e:   # one part's failure must not cost the others their (scarce) GPU time
            traceback.print_exc(); failed.append(name)
            res = dict(error=f'{type(e).__name__}: {e}')
        res.update(part_s=time.perf_counter() - t, machine=machine(), date=datetime.date.today().isoformat())
        (out/f'{name}.json').write_text(json.dumps(res, indent=1, default=str))
        print(f'[{name}] {"FAILED" if "error" in res else "done"} in {res["part_s"]:.0f} s', flush=True)
    print(report(out))
    print(f'PARTS FAILED: {", ".join(failed)}' if failed else 'ALL PARTS OK')
    sys.exit(1 if failed else 0)
