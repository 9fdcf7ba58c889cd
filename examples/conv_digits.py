"""Digits as 8x8 images: a small convolutional network, 5-fold cross-validation.

scikit-learn's digits are 8x8 grey images with pixel values 0-16. Shaped
(n, 1, 8, 8) -- one channel -- ConvClassifier picks 2-D convolutions.

    python examples/conv_digits.py
"""

import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_val_score

from sknn import ConvClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X = (X / 16).reshape(-1, 1, 8, 8).astype(np.float32)  # pixels to [0, 1]

start = time.perf_counter()
cv = StratifiedKFold(5, shuffle=True, random_state=0)
scores = cross_val_score(ConvClassifier(max_iter=30, random_state=0), X, y, cv=cv)
print(f"ConvClassifier(max_iter=30), digits (n, 1, 8, 8), 5-fold CV accuracy: "
      f"{scores.mean():.4f} (folds {np.round(scores, 4).tolist()}), "
      f"{time.perf_counter() - start:.1f} s")

# The LeNet-5 recipe: two 5x5 conv layers with average pooling, a 120-84 tanh
# head. Its tanh units learn slowly at Adam's default step; a larger one helps.
lenet = ConvClassifier.lenet5(max_iter=30, learning_rate_init=0.01, random_state=0)
scores = cross_val_score(lenet, X, y, cv=cv)
print(f"ConvClassifier.lenet5(max_iter=30, learning_rate_init=0.01), 5-fold CV accuracy: "
      f"{scores.mean():.4f}")

model = ConvClassifier(max_iter=30, random_state=0).fit(X, y)
print(model.summary().to_string(index=False))
