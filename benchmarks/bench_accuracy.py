"""Accuracy against scikit-learn's MLPs with the same settings.

digits: make_pipeline(StandardScaler(), MLPClassifier(random_state=0)),
StratifiedKFold(5, shuffle=True, random_state=0); diabetes: the same with
MLPRegressor(max_iter=2000), KFold(5).

    python benchmarks/bench_accuracy.py
"""

import warnings

import numpy as np
from sklearn import neural_network
from sklearn.datasets import load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sknn

warnings.filterwarnings("ignore", category=ConvergenceWarning)


def main():
    X, y = load_digits(return_X_y=True)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    scores = {}
    for name, library in [("sknn", sknn), ("scikit-learn", neural_network)]:
        model = make_pipeline(StandardScaler(), library.MLPClassifier(random_state=0))
        predicted = cross_val_predict(model, X, y, cv=cv)
        scores[name] = cross_val_score(model, X, y, cv=cv).mean()
        print(f"digits, 5-fold stratified CV accuracy, {name:<12} {scores[name]:.6f} "
              f"(mean of folds; {np.sum(predicted == y)} of {len(y)} right)")
    print(f"digits: sknn - scikit-learn = {scores['sknn'] - scores['scikit-learn']:+.6f}")

    X, y = load_diabetes(return_X_y=True)
    for name, library in [("sknn", sknn), ("scikit-learn", neural_network)]:
        model = make_pipeline(StandardScaler(),
                              library.MLPRegressor(max_iter=2000, random_state=0))
        scores[name] = cross_val_score(model, X, y, cv=KFold(5)).mean()
        print(f"diabetes, 5-fold CV R^2, {name:<12} {scores[name]:.4f}")
    print(f"diabetes: |sknn - scikit-learn| = {abs(scores['sknn'] - scores['scikit-learn']):.4f}"
          " (<= 0.03)")


if __name__ == "__main__":
    main()
