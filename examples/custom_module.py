"""
Your own torch module as a scikit-learn estimator
=================================================

A small residual network for tabular data, written in plain PyTorch, trained
by NeuralNetClassifier: cross-validated, grid-searched over its own
constructor arguments (``module__<name>``) and pickled. Then the same module
with two inputs -- numeric features and an integer category fed to an
embedding -- once as a dict of arrays, once as one 2-D array split inside
``forward`` (which keeps scikit-learn's splitters working).

Run it with ``python examples/custom_module.py``.
"""

import os
import pickle
import time
import warnings

import numpy as np
import torch
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn

from sknn import NeuralNetClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)
QUICK = os.environ.get("SKNN_EXAMPLES_QUICK") == "1"  # less data, fewer epochs


class ResidualMLP(nn.Module):
    """Dense residual blocks. ``n_features`` and ``n_outputs`` come from the data."""

    def __init__(self, n_features, n_outputs, width=32, depth=2, dropout=0.1):
        super().__init__()
        self.input = nn.Linear(n_features, width)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.LayerNorm(width), nn.Linear(width, width), nn.GELU(),
                          nn.Dropout(dropout))
            for _ in range(depth)
        )
        self.output = nn.Linear(width, n_outputs)

    def forward(self, x):
        h = self.input(x)
        for block in self.blocks:
            h = h + block(h)
        return self.output(h)  # logits: no sigmoid / softmax


X, y = load_breast_cancer(return_X_y=True)
model = make_pipeline(StandardScaler(),
                      NeuralNetClassifier(ResidualMLP, max_iter=3 if QUICK else 50,
                                          random_state=0))

start = time.perf_counter()
scores = cross_val_score(model, X, y, cv=5)
print(f"ResidualMLP, breast cancer, 5-fold CV accuracy {scores.mean():.4f} "
      f"({time.perf_counter() - start:.1f} s)")

grid = GridSearchCV(model, {"neuralnetclassifier__module__width": [8, 32],
                            "neuralnetclassifier__module__depth": [1, 3]}, cv=3)
grid.fit(X, y)
print(f"grid search best: {grid.best_params_}, CV accuracy {grid.best_score_:.4f}")

restored = pickle.loads(pickle.dumps(grid.best_estimator_))
print("pickled model predicts the same:",
      np.array_equal(restored.predict_proba(X), grid.best_estimator_.predict_proba(X)))
print(grid.best_estimator_[-1].summary().to_string(index=False))


# -- two inputs ------------------------------------------------------------------
# A synthetic task: the label depends on a numeric signal and on a category.
rng = np.random.RandomState(0)
N = 300 if QUICK else 2000
numeric = rng.normal(size=(N, 5)).astype(np.float32)
category = rng.randint(0, 10, size=N)
label = (numeric[:, 0] + np.where(category % 2, 1.0, -1.0) > 0).astype(int)


class WithEmbedding(nn.Module):
    """Keyword inputs: sknn passes the entries of a dict X by name.

    ``n_features`` is then a dict of widths: {'numeric': 5, 'category': 1}.
    """

    def __init__(self, n_features, n_outputs, n_categories=10, embedding_dim=4):
        super().__init__()
        self.embedding = nn.Embedding(n_categories, embedding_dim)
        self.head = nn.Sequential(nn.Linear(n_features["numeric"] + embedding_dim, 32),
                                  nn.ReLU(), nn.Linear(32, n_outputs))

    def forward(self, numeric, category):
        # Integer arrays arrive as int64 tensors, the rest as float32.
        return self.head(torch.cat([numeric, self.embedding(category)], dim=1))


train, test = train_test_split(np.arange(N), random_state=0)
as_dict = {"numeric": numeric, "category": category}
clf = NeuralNetClassifier(WithEmbedding, max_iter=3 if QUICK else 30, random_state=0)
clf.fit({key: value[train] for key, value in as_dict.items()}, label[train])
print("dict input, held-out accuracy:",
      round(clf.score({key: value[test] for key, value in as_dict.items()}, label[test]), 4))


class SplitColumns(WithEmbedding):
    """One 2-D array whose last column is the category: CV-friendly."""

    def __init__(self, n_features, n_outputs, n_categories=10, embedding_dim=4):
        super().__init__({"numeric": n_features - 1}, n_outputs, n_categories,
                         embedding_dim)

    def forward(self, x):
        return super().forward(x[:, :-1], x[:, -1].long())


table = np.c_[numeric, category]
scores = cross_val_score(NeuralNetClassifier(SplitColumns, max_iter=3 if QUICK else 30,
                                             random_state=0),
                         table, label, cv=5)
print(f"one array split in forward, 5-fold CV accuracy {scores.mean():.4f}")
