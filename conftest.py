"""Collection rules for the whole checkout (the doctests of sknn's modules included)."""

import importlib.util

# sknn/onnx.py and sknn/_onnx_graph.py import the onnx extra; without it their doctests
# are not collected.
_ONNX_EXTRA = ("onnx", "onnxscript", "onnxruntime", "skl2onnx")
collect_ignore = ([] if all(importlib.util.find_spec(name) for name in _ONNX_EXTRA)
                  else ["sknn/onnx.py", "sknn/_onnx_graph.py"])
# sknn/plotting.py's doctests draw with matplotlib (the plots extra).
if importlib.util.find_spec("matplotlib") is None:
    collect_ignore.append("sknn/plotting.py")
