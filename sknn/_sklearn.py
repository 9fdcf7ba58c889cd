"""Every scikit-learn name sknn uses that is not public API, in one place.

scikit-learn moves its private helpers between releases; keeping the imports
here means a new release needs one file changed, not every estimator.
"""

from sklearn.base import _fit_context
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import _check_feature_names_in, _check_sample_weight, _check_y

__all__ = [
    "Interval",
    "Options",
    "StrOptions",
    "_check_feature_names_in",
    "_check_sample_weight",
    "_check_y",
    "_fit_context",
    "_get_output_config",
    "_safe_indexing",
]
