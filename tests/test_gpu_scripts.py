"The GPU scripts on the CPU: `benchmarks/gpu_speed.py` at toy sizes (its parts' files, its report, what it refuses) and `benchmarks/gpu_check.py`'s dry run."
import json, os, subprocess, sys
from conftest import ROOT

SCRIPT = ROOT/'benchmarks'/'gpu_speed.py'

def speed(*args, env=None, timeout=300):
    return subprocess.run([sys.executable, SCRIPT, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, 'SHARE_ENGINE': 'processes', 'SHARE_K': '1,2', 'SHARE_EPOCHS': '5', **(env or {})})

def test_parts_write_only_their_json_and_report(tmp_path):
    # a stand-in for nvidia-cuda-mps-control: notes each call with the pipe folder it was given
    log, control = tmp_path/'control.log', tmp_path/'mps-control'
    control.write_text(f'#!/bin/sh\nif [ "$1" = "-d" ]; then echo "start $CUDA_MPS_PIPE_DIRECTORY" >> {log}; else echo "$(cat) $CUDA_MPS_PIPE_DIRECTORY" >> {log}; fi\n')
    control.chmod(0o755)
    out, work = tmp_path/'out', tmp_path/'work'
    p = speed(out, '--parts', 'cycle,share', '--work', work, env={'SHARE_MPS': 'always', 'MPS_CONTROL': str(control)})
    assert p.returncode == 0, p.stderr[-2000:]
    assert sorted(f.name for f in out.iterdir()) == ['cycle.json', 'share.json']   # the runs went to the work folder
    share = json.loads((out/'share.json').read_text())
    assert share['engine'] == 'processes' and share['mps'] == 'ran'
    assert [(r['runs_at_once'], r['mps']) for r in share['rows']] == [(1, False), (2, False), (2, True)]
    assert share['machine'] and share['date'] and share['part_s'] > 0
    for r in share['rows']:
        assert r['training_images'] > 0 and abs(r['aggregate_images_per_s'] - r['training_images'] / r['cycles_window_s']) < 1e-6
    # every run of k at once finished both cycles in its own folder
    for folder, k in (('share_1', 1), ('share_2', 2), ('share_2_mps', 2)):
        runs = sorted((work/folder).iterdir())
        assert len(runs) == k and all(len(json.loads((f/'results.json').read_text())['cycles']) == 2 for f in runs)
    assert log.read_text().split('\n')[:2] == [f'start {work}/mps_pipe', f'quit {work}/mps_pipe']   # MPS started, then told to quit
    assert json.loads((out/'cycle.json').read_text())['skipped'] == 'no CUDA device'
    report = speed(out, '--report')
    assert report.returncode == 0 and '### share:' in report.stdout and '| 2 | yes |' in report.stdout and '### cycle:' in report.stdout

def test_a_failed_part_is_recorded_and_the_rest_run(tmp_path):
    out = tmp_path/'out'
    p = speed(out, '--parts', 'share,cycle', env={'SHARE_EPOCHS': '3'})   # fewer NL epochs than a snapshot: every run refuses
    assert p.returncode == 1 and 'PARTS FAILED: share' in p.stdout
    assert 'nl_epochs (3)' in json.loads((out/'share.json').read_text())['error']
    assert (out/'cycle.json').exists()

def test_refuses_a_used_folder_and_unknown_parts(tmp_path):
    (tmp_path/'out').mkdir(); (tmp_path/'out'/'grid.json').write_text('{"kept": true}')
    p = speed(tmp_path/'out', '--parts', 'cycle')
    assert p.returncode == 1 and 'is not empty' in p.stderr and json.loads((tmp_path/'out'/'grid.json').read_text()) == {'kept': True}
    p = speed(tmp_path/'new', '--parts', 'cycle,nope')
    assert p.returncode == 2 and 'unknown part(s) nope' in p.stderr and not (tmp_path/'new').exists()

def test_report_prices_the_grid_with_the_best_sharing(tmp_path):
    row = lambda k, mps, speedup: dict(runs_at_once=k, mps=mps, wall_s=10.0, cycles_window_s=5.0, training_images=100,
                                       aggregate_images_per_s=20.0, runs_per_hour=360.0 * speedup, grid_speedup_vs_first=speedup)
    (tmp_path/'grid.json').write_text(json.dumps(dict(machine='GPU', date='2026-11-27', part_s=1.0, rows=[
        dict(section='grid', name='Table 1 grid', engine=6.0, reference=None, unit='device-hours', ratio=None)])))
    (tmp_path/'share.json').write_text(json.dumps(dict(machine='GPU', date='2026-11-27', part_s=1.0, engine='processes', epochs=5,
                                                       options={}, mps='ran', rows=[row(1, False, 1.0), row(2, False, 1.2), row(2, True, 1.5)])))
    p = speed(tmp_path, '--report')
    assert p.returncode == 0 and '### grid: GPU, 2026-11-27' in p.stdout
    assert 'The grid with 2 runs at once under MPS: about 4.0 device-hours (6.0 one at a time' in p.stdout

def test_gpu_check_dry_run_on_the_cpu():
    "The GPU correctness script runs through on the CPU (--cpu), so it cannot fail for a reason a CPU would show."
    p = subprocess.run([sys.executable, ROOT/'benchmarks'/'gpu_check.py', '--cpu'], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and p.stdout.strip().endswith('ALL CHECKS OK'), p.stdout[-2000:] + p.stderr[-2000:]
    assert 'divergence on cuda' in p.stdout and 'with overlap' in p.stdout

def test_mps_that_will_not_start_leaves_the_figures_without_it(tmp_path):
    control = tmp_path/'mps-control'
    control.write_text('#!/bin/sh\necho "no GPU to serve" >&2\nexit 3\n'); control.chmod(0o755)
    out = tmp_path/'out'
    p = speed(out, '--parts', 'share', env={'SHARE_K': '1', 'SHARE_MPS': 'always', 'MPS_CONTROL': str(control)})
    share = json.loads((out/'share.json').read_text())
    assert p.returncode == 0 and [(r['runs_at_once'], r['mps']) for r in share['rows']] == [(1, False)]
    assert 'failed (3): no GPU to serve' in share['mps']
