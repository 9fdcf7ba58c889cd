"""
Tabular data: Pipeline, GridSearchCV, cross-validation, pickle
==============================================================

MLPClassifier on the wine data (string labels, a grid search in a Pipeline,
pickled and reloaded) and MLPRegressor on the diabetes data.

Run with ``make demo`` (or ``python examples/tabular_pipeline.py``).
"""

import os
import pickle
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn import MLPClassifier, MLPRegressor

warnings.filterwarnings("ignore", category=ConvergenceWarning)
QUICK = os.environ.get("SKNN_EXAMPLES_QUICK") == "1"  # fewer epochs


def classification():
    data = load_wine(as_frame=True)
    X = data.data
    y = pd.Series(data.target_names[data.target], name="cultivar")  # string labels
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

    pipe = make_pipeline(StandardScaler(), MLPClassifier(max_iter=5 if QUICK else 300,
                                                         random_state=0))
    grid = GridSearchCV(
        pipe,
        {
            "mlpclassifier__hidden_layer_sizes": [(32,), (64, 32)],
            "mlpclassifier__dropout": [0.0, 0.2],
        },
        cv=3,
    )
    start = time.perf_counter()
    grid.fit(X_train, y_train)
    print(f"wine: GridSearchCV over 4 settings x 3 folds in {time.perf_counter() - start:.1f}s")
    print(f"wine: best parameters {grid.best_params_}")
    print(f"wine: cross-validated accuracy {grid.best_score_:.3f}, "
          f"held-out accuracy {grid.score(X_test, y_test):.3f}")

    restored = pickle.loads(pickle.dumps(grid.best_estimator_))
    same = np.array_equal(restored.predict_proba(X_test),
                          grid.best_estimator_.predict_proba(X_test))
    print(f"wine: pickled and reloaded; identical probabilities: {same}")
    print(f"wine: predictions come back as labels: {restored.predict(X_test.iloc[:3]).tolist()}")
    print(restored[-1].summary().to_string(index=False))


def regression():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    model = make_pipeline(StandardScaler(), MLPRegressor(max_iter=5 if QUICK else 2000,
                                                        random_state=0))
    scores = cross_val_score(model, X, y, cv=KFold(5))
    print(f"diabetes: 5-fold R^2 {scores.mean():.3f} (+/- {scores.std():.3f})")


if __name__ == "__main__":
    classification()
    regression()
