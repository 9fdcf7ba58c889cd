"""The documentation: public docstrings, the example gallery, the built site.

- numpydoc validation of every name in ``sknn.__all__`` (and ``sknn.io``,
  ``sknn.onnx``) and of the public methods sknn defines;
- every example run, on small settings (``SKNN_EXAMPLES_QUICK=1``);
- the site built without executing the gallery (``make docs`` executes it),
  its internal links checked, and its pages opened in headless Chromium with
  screenshots saved under ``$SKNN_DOCS_ARTIFACTS`` (default: a temporary
  directory).
"""

import html.parser
import importlib
import importlib.util
import inspect
import os
import pathlib
import runpy
import shutil
import subprocess
import sys
import urllib.parse
import warnings

import pytest

import sknn

from conftest import shared_by_workers

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))

# -- numpydoc validation ------------------------------------------------------
# As in scikit-learn's test_docstrings.py, some checks are left out:
#   GL01, GL02: where the summary starts (after the opening quotes or on the next line);
#   ES01: an extended summary; SA01: a See Also section;
#   RT02: a named return value ("self : object"), scikit-learn's style;
# and EX01 (an Examples section) is required of the public names, not of their methods.
IGNORED = {"GL01", "GL02", "ES01", "SA01", "RT02"}
METHOD_IGNORED = IGNORED | {"EX01"}


def _public_names():
    names = [f"sknn.{name}" for name in sknn.__all__]
    for module in ("io", "onnx"):
        if module == "onnx" and importlib.util.find_spec("skl2onnx") is None:
            continue
        names += [f"sknn.{module}.{name}"
                  for name in importlib.import_module(f"sknn.{module}").__all__]
    return names


def _methods(path):
    """Public methods sknn defines (scikit-learn's own are scikit-learn's to check)."""
    module, _, name = path.rpartition(".")
    obj = getattr(importlib.import_module(module), name)
    if not inspect.isclass(obj):
        return []
    methods = []
    for attr in dir(obj):
        member = getattr(obj, attr, None)
        if (not attr.startswith("_") and callable(member)
                and (getattr(member, "__module__", None) or "").startswith("sknn")):
            methods.append(f"{path}.{attr}")
    return methods


PUBLIC = _public_names()
DOCSTRINGS = [(name, IGNORED) for name in PUBLIC] + [
    (method, METHOD_IGNORED) for name in PUBLIC for method in _methods(name)]


@pytest.mark.parametrize(("name", "ignored"), DOCSTRINGS, ids=[d[0] for d in DOCSTRINGS])
def test_docstring(name, ignored):
    validate = pytest.importorskip("numpydoc.validate").validate
    errors = [f"{code}: {message}" for code, message in validate(name)["errors"]
              if code not in ignored]
    assert not errors, f"{name}:\n" + "\n".join(errors)


def test_api_reference_lists_every_public_name():
    text = (DOCS / "api.rst").read_text()
    listed = {line.strip() for line in text.splitlines() if line.startswith("   ")}
    missing = [name for name in PUBLIC if name.removeprefix("sknn.") not in listed]
    assert not missing, f"docs/api.rst does not list {missing}"


# -- the gallery ----------------------------------------------------------------
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(path, monkeypatch, tmp_path, capsys):
    """Each example runs (small settings), prints, and draws when it says it plots."""
    plt = pytest.importorskip("matplotlib.pyplot")
    pytest.importorskip("matplotlib").use("Agg")
    monkeypatch.setenv("SKNN_EXAMPLES_QUICK", "1")
    monkeypatch.chdir(tmp_path)
    plt.close("all")
    # a sphinx-gallery example: a docstring with a reST title
    assert path.read_text().startswith('"""\n'), f"{path.name} has no gallery title"
    figures = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: figures.extend(plt.get_fignums()))
    with warnings.catch_warnings():
        runpy.run_path(str(path), run_name="__main__")
    figures.extend(plt.get_fignums())
    plt.close("all")
    assert capsys.readouterr().out.strip(), f"{path.name} printed nothing"
    if path.name.startswith("plot_") or "plt." in path.read_text():
        assert figures, f"{path.name} drew no figure"


# -- the site ---------------------------------------------------------------------
class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            if attrs.get(key) and not (tag == "link" and attrs.get("rel") == "preload"):
                self.links.append(attrs[key])


def _parse(page):
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8", errors="replace"))
    return parser


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The site built without running the gallery (``make docs`` runs it).

    Built once per test run: pytest-xdist's workers share the build through a
    lock in the run's base temporary directory.
    """
    for name in ("sphinx", "numpydoc", "myst_parser", "sphinx_gallery",
                 "pydata_sphinx_theme", "sphinx_copybutton", "matplotlib"):
        pytest.importorskip(name, reason="the docs extra is not installed")
    with shared_by_workers(tmp_path_factory, "sknn-docs-site") as (out, first):
        if first:
            _build(out)
    log = (out / "build.log").read_text()
    assert (out / "html" / "index.html").exists(), log[-4000:]
    return out / "html", log


def _build(out):
    # a copy of the sources: sphinx-gallery writes its pages beside them
    outputs = shutil.ignore_patterns("_build", "auto_examples", "generated",
                                     "sg_execution_times.rst", "*.png")
    for name in ("docs", "examples"):
        shutil.rmtree(out / name, ignore_errors=True)
        shutil.copytree(ROOT / name, out / name, ignore=outputs)
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-j", "1", "-D", "plot_gallery=0",
         "-d", str(out / "doctrees"), str(out / "docs"), str(out / "html")],
        capture_output=True, text=True, env={**os.environ, "MPLBACKEND": "Agg"},
        timeout=600, check=False)
    (out / "build.log").write_text(build.stderr)


def test_site_builds_with_every_page(site):
    html, log = site
    for name in sknn.__all__:
        assert (html / "generated" / f"sknn.{name}.html").exists(), name
    gallery = html / "auto_examples"
    for example in EXAMPLES:
        assert (gallery / f"{example.stem}.html").exists(), example.name
    for guide in DOCS.glob("*.md"):
        assert (html / f"{guide.stem}.html").exists(), guide.name
    # the HTML repr's "?" links lead to these pages
    for name in sknn.__all__:
        estimator = getattr(sknn, name)
        if hasattr(estimator, "_get_doc_link"):
            link = estimator()._get_doc_link()
            assert link.endswith(f"/generated/sknn.{name}.html"), link
    warnings = [line for line in log.splitlines() if "WARNING" in line]
    assert not warnings, "\n".join(warnings)


def test_site_internal_links(site):
    html, _ = site
    # the site's own pages (the theme ships template fragments under _static)
    pages = sorted(page for page in html.rglob("*.html") if "_static" not in page.parts)
    parsed = {page: _parse(page) for page in pages}
    broken = []
    for page, parser in parsed.items():
        for link in parser.links:
            url = urllib.parse.urlsplit(link)
            if url.scheme or url.netloc or link.startswith(("mailto:", "javascript:", "data:")):
                continue
            target = (page.parent / urllib.parse.unquote(url.path)).resolve() if url.path \
                else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(html)} -> {link}")
            elif url.fragment and target.suffix == ".html" and target in parsed \
                    and url.fragment not in parsed[target].ids:
                broken.append(f"{page.relative_to(html)} -> {link} (no such anchor)")
    assert len(pages) > 20
    assert not broken, "\n".join(sorted(set(broken))[:50])


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.mark.parametrize("page", ["index.html", "auto_examples/plot_tabular_classification.html",
                                  "generated/sknn.TrainingCurveDisplay.html"])
def test_site_in_headless_chromium(site, page, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine (Debian: apt-get install chromium)")
    html, _ = site
    artifacts = pathlib.Path(os.environ.get("SKNN_DOCS_ARTIFACTS", tmp_path))
    artifacts.mkdir(parents=True, exist_ok=True)
    shot = artifacts / (page.replace("/", "_").removesuffix(".html") + ".png")
    shot.unlink(missing_ok=True)
    flags = [browser, "--headless=new", "--no-sandbox", "--disable-gpu",
             "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars",
             f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,1600",
             "--virtual-time-budget=3000"]
    url = (html / page).as_uri()
    subprocess.run([*flags, f"--screenshot={shot}", url], capture_output=True, timeout=120,
                   check=False)
    assert shot.exists() and shot.stat().st_size > 10_000, f"no screenshot of {page}"
    dom = subprocess.run([*flags, "--dump-dom", url], capture_output=True, text=True,
                         timeout=120, check=False).stdout
    # the page rendered with the theme's scripts run: pydata-sphinx-theme sets the
    # colour mode on <html> from JavaScript
    assert 'data-mode="' in dom and "bd-main" in dom, dom[:2000]
    assert "sknn" in dom
