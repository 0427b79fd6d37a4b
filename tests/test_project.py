"Packaging and project facts: environment.yml names pyproject's dependencies; nbdev 3 configuration lives in pyproject.toml; the benchmark scripts import names bual has."
import re, tomllib
from pathlib import Path
import yaml

ROOT = Path(__file__).resolve().parents[1]

def _name(req): return re.split(r'[<>=!~\[; ]', req.strip(), maxsplit=1)[0].lower().replace('_', '-')

# conda spells a few packages differently from PyPI
CONDA_NAMES = {'torch': 'pytorch'}

def test_environment_yml_names_the_same_dependencies():
    proj = tomllib.loads((ROOT/'pyproject.toml').read_text())['project']
    want = {_name(r) for r in proj['dependencies'] + proj['optional-dependencies']['dev']}
    env = yaml.safe_load((ROOT/'environment.yml').read_text())
    conda, pip = set(), set()
    for d in env['dependencies']:
        if isinstance(d, dict): pip |= {_name(x) for x in d.get('pip', [])}
        else: conda.add(_name(d))
    from_conda = {v: k for k, v in CONDA_NAMES.items()}
    got = {from_conda.get(n, n) for n in conda | pip if not n.startswith('-e')} - {'python', 'pip'}
    assert got == want, f"only in environment.yml: {sorted(got - want)}; only in pyproject.toml: {sorted(want - got)}"

def test_nbdev_config_is_in_pyproject_and_no_settings_ini():
    cfg = tomllib.loads((ROOT/'pyproject.toml').read_text())
    assert cfg['tool']['nbdev']['lib_path'] == 'bual' and 'tags' in cfg['tool']['nbdev']['allowed_cell_metadata_keys']
    assert not (ROOT/'settings.ini').exists()

def test_every_module_has_its_notebook():
    mods = {p.stem for p in (ROOT/'bual').glob('*.py') if not p.name.startswith('_')}
    nbs = {re.sub(r'^\d+_', '', p.stem) for p in (ROOT/'nbs').glob('[0-9]*.ipynb')}
    assert mods <= nbs, f"modules without a notebook: {sorted(mods - nbs)}"

def _bual_imports(path):
    "The bual modules a module imports at its top level, and those it imports inside functions."
    import ast
    top, inner = set(), set()
    tree = ast.parse(path.read_text())
    def names(node):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 1: return {node.module.split('.')[0]}
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith('bual.'): return {node.module.split('.')[1]}
        if isinstance(node, ast.ImportFrom) and node.module == 'bual': return {a.name for a in node.names}
        if isinstance(node, ast.Import): return {a.name.split('.')[1] for a in node.names if a.name.startswith('bual.')}
        return set()
    for node in tree.body: top |= names(node)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for sub in ast.walk(node): inner |= names(sub)
    return top, inner

def test_modules_import_only_modules_above_them():
    "The notebooks' numbers are the architecture: a module imports only lower-numbered ones (the CLI dispatches to its commands lazily)."
    order = {re.sub(r'^\d+_', '', p.stem): int(p.stem.split('_')[0]) for p in (ROOT/'nbs').glob('[0-9]*.ipynb')}
    for mod, rank in order.items():
        top, inner = _bual_imports(ROOT/'bual'/f'{mod}.py')
        up = {m for m in top if m in order and order[m] >= rank}
        assert not up, f"bual.{mod} imports {sorted(up)} at its top, which come after it"
        up = {m for m in inner if m in order and order[m] >= rank} - ({'demo', 'sweep', 'bench'} if mod == 'cli' else set())
        assert not up, f"bual.{mod} imports {sorted(up)} inside a function, which come after it"

def test_benchmark_scripts_import_what_bual_has():
    "The benchmark scripts run on GPU machines that no test reaches: every name they import from bual must still exist."
    import ast, importlib
    missing = []
    for script in sorted((ROOT/'benchmarks').glob('*.py')):
        for node in ast.walk(ast.parse(script.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or '').split('.')[0] == 'bual':
                module = importlib.import_module(node.module)
                missing += [f'{script.name}: {node.module}.{a.name}' for a in node.names
                            if not hasattr(module, a.name) and importlib.util.find_spec(f'{node.module}.{a.name}') is None]
    assert not missing, missing
