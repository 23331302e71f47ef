"""The house plan: packages under app/ depend one way, lower rooms never import higher ones."""
import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"

# lowest first; a package may import its own layer's package and any below it. The outer rooms
# (web pages, consoles, demo data) share the top layer and never import one another.
LAYERS = [
    ("core",),
    ("catalogue",),
    ("residents",),
    ("departments",),
    ("records",),
    ("scoring",),
    ("benefits",),
    ("merchants",),
    ("credit_codes",),
    ("verification",),
    ("governance", "partners"),
    ("resident_web", "merchant_web", "web", "demo", "admin"),
]
RANK = {package: rank for rank, packages in enumerate(LAYERS) for package in packages}
TOP = len(LAYERS)  # app/__init__.py and app/cli.py: the factory, which may use every room


def package_of(path: Path) -> str:
    parts = path.relative_to(APP).parts
    return parts[0] if len(parts) > 1 else "<app>"


def imported_packages(path: Path):
    """(line, package) of every `app.<package>` this module imports, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] if node.module != "app" else [
                f"app.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] != "app":
                continue
            target = parts[1] if len(parts) > 1 else "<app>"
            # a name defined in app/__init__.py (the factory) is the top of the house
            known = (APP / target).is_dir() or (APP / f"{target}.py").exists()
            yield node.lineno, target if known else "<app>"


def arrows():
    for path in sorted(APP.rglob("*.py")):
        source = package_of(path)
        for line, target in imported_packages(path):
            if target != source:
                yield path.relative_to(APP.parent), line, source, target


def rank(package):
    return TOP if package in ("<app>", "cli") else RANK[package]


def test_every_package_has_a_place_in_the_plan():
    packages = {p.name for p in APP.iterdir() if (p / "__init__.py").exists()}
    assert packages == set(RANK)


def test_no_package_imports_one_above_it_or_beside_it():
    wrong = [f"{path}:{line}: {source} → {target}" for path, line, source, target in arrows()
             if rank(target) >= rank(source) and source not in ("<app>", "cli")]
    assert wrong == []


def test_nothing_imports_the_application_factory():
    assert [f"{path}:{line}" for path, line, source, target in arrows()
            if target == "<app>" and source != "cli"] == []


def test_the_factory_connects_the_rooms():
    imported = {target for _line, target in imported_packages(APP / "__init__.py")}
    assert imported >= {"scoring", "merchants", "resident_web", "merchant_web"}
