"""Sphinx configuration of sknn's documentation site.

Build it with ``make docs`` (the gallery executed) or, without running the
examples, ``sphinx-build -D plot_gallery=0 docs docs/_build/html``. Nothing is
downloaded: no intersphinx inventories, no remote images.
"""

import os
import pathlib
import re
import sys
import warnings

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import sknn  # noqa: E402

project = "sknn"
author = "sknn developers"
copyright = "sknn developers"
release = sknn.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    "sphinx_copybutton",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip"]
templates_path = ["_templates"]

# -- API reference ------------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- Markdown guides ----------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# -- Gallery ------------------------------------------------------------------
# The examples run at build time; their figures and printed output are embedded.
warnings.filterwarnings("ignore", category=UserWarning,
                        message="Matplotlib is currently using agg")
sphinx_gallery_conf = {
    "examples_dirs": str(HERE.parent / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/.*\.py",  # execute every example, not only plot_*.py
    "ignore_pattern": r"__init__\.py",
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("sknn",),
    "reference_url": {"sknn": None},
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "within_subsection_order": "FileNameSortKey",
    "abort_on_example_error": True,
    "show_memory": False,
    "min_reported_time": 1,
    "image_scrapers": ("matplotlib",),
}
os.environ.setdefault("MPLBACKEND", "Agg")

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sknn {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    # offline: no version switcher, no remote icons or analytics
    "icon_links": [],
}
html_sidebars = {"index": []}
html_show_sourcelink = False
html_copy_source = False
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True

# no intersphinx: the build must work offline
nitpicky = False

# The methods sknn inherits from scikit-learn (get_params, set_output, ...)
# keep scikit-learn's docstrings, whose :ref: and :term: roles point into
# scikit-learn's own site; offline they become plain text.
_SKLEARN_ROLE = re.compile(r":(?:ref|term):`(?:([^`<]*?)\s*<[^`>]*>|([^`]*))`")


# In shapes such as ``(n_samples, n_features_in_)`` a trailing underscore is
# not a reST reference.
_SHAPE = re.compile(r"\(([^()`]*)\)")
_TRAILING_UNDERSCORE = re.compile(r"(\w)_(?=[\s,)]|$)")


def _escape_shape(line):
    if "shape" not in line:
        return line
    return _SHAPE.sub(lambda m: "(" + _TRAILING_UNDERSCORE.sub(r"\1\\_", m.group(1)) + ")",
                      line)


def _process_docstring(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", None) or ""
    if module.startswith("sklearn"):
        lines[:] = [_SKLEARN_ROLE.sub(lambda m: m.group(1) or m.group(2), line)
                    for line in lines]
    lines[:] = [_escape_shape(line) for line in lines]


def setup(app):
    app.connect("autodoc-process-docstring", _process_docstring)
