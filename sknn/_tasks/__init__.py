"""What makes an estimator a classifier, a regressor or a transformer.

A task mixin sits left of the family base in every concrete estimator. It
declares the task's own parameters (``_params``: a classifier's
``class_weight``, a regressor's ``loss``) and supplies the target hooks the
base template calls: target validation and encoding (``_encode_target``),
the criterion, the output activation, the validation score computed on the
device, ``predict`` and the decoding of network outputs, and the task's
tags. The base never asks which task it is.

- :mod:`.classification`: :class:`ClassifierTask`
- :mod:`.regression`: :class:`RegressorTask`
- :mod:`.reconstruction`: :class:`ReconstructionTask` (autoencoders)
- :mod:`.steps`: :class:`StepTargets`, :class:`StepClassification`, the
  per-time-step hooks of recurrent nets with ``return_sequences=True``
"""

from .classification import ClassifierTask
from .reconstruction import ReconstructionTask
from .regression import RegressorTask
from .steps import StepClassification, StepTargets, split_steps

__all__ = ["ClassifierTask", "ReconstructionTask", "RegressorTask", "StepClassification",
           "StepTargets", "split_steps"]
