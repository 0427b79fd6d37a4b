"`bual bench --quick` runs every CPU measurement and writes the table as JSON."
import json
from conftest import bual

def test_bench_quick_writes_every_section(tmp_path):
    out = tmp_path/'bench.json'
    p = bual('bench', '--quick', '--out', out, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    res = json.loads(out.read_text())
    sections = {r['section'] for r in res['rows']}
    assert {'data path', 'training', 'scoring', 'selection', 'fashion cycle', 'bf16 scoring', 'summation order'} <= sections
    assert not any(r['name'].startswith('FAILED') for r in res['rows']), [r['name'] for r in res['rows'] if r['name'].startswith('FAILED')]
    for r in res['rows']:
        if r['ratio'] is not None: assert r['engine'] > 0 and r['reference'] > 0 and abs(r['ratio'] - r['engine'] / r['reference']) < 1e-9
    assert 'bual bench on' in p.stdout and 'data path' in p.stdout
    assert res['quick'] is True and res['device'] == 'cpu'

def test_bench_cuda_without_gpu_is_one_line_error(tmp_path):
    import torch
    if torch.cuda.is_available(): return
    p = bual('bench', '--device', 'cuda', '--out', tmp_path/'b.json')
    assert p.returncode == 2 and 'no CUDA GPU' in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert not (tmp_path/'b.json').exists()

def test_bench_grid_quick_prices_every_table1_method(tmp_path):
    from bual.tables import METHOD_NAMES
    out = tmp_path/'grid.json'
    p = bual('bench', '--grid', '--quick', '--out', out, timeout=900)
    assert p.returncode == 0, p.stderr[-2000:]
    rows = json.loads(out.read_text())['rows']
    table1 = ('random', 'lc', 'margin', 'entropy', 'coreset', 'badge', 'lfosa', 'ccal', 'dias', 'b-lc', 'b-margin', 'b-entropy')
    assert [r['name'].split(':')[0] for r in rows[:-1]] == [METHOD_NAMES[m] for m in table1]
    assert all(r['engine'] > 0 and r['reference'] > 0 and r['unit'] == 's/cycle' for r in rows[:-1])
    # a run is its first cycle and seven later ones; the grid is 4 openness values x 3 seeds of each method, and a seed's
    # four runs share CCAL's encoders (first-cycle work trained once, read by the other three from the sweep's cache)
    assert [r['name'].split(':')[0] for r in rows[:-1] if r['shared'] > 0] == ['CCAL']
    total = sum(12 * (r['reference'] + 7 * r['engine']) - 9 * r['shared'] for r in rows[:-1]) / 3600
    assert rows[-1]['unit'] == 'device-hours' and abs(rows[-1]['engine'] - total) < 1e-9
    assert 'bual bench --grid on' in p.stdout

def test_bench_grid_epochs_not_a_multiple_of_five_is_one_line_error(tmp_path):
    p = bual('bench', '--grid', '--paper-epochs', '7', '--out', tmp_path/'grid.json')
    assert p.returncode == 2 and p.stderr.count('\n') == 1 and 'multiple of 5' in p.stderr, p.stderr
