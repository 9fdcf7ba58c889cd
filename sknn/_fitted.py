"""Fitted attributes derived from the skorch net and its history.

Each is a property, so it always agrees with ``net_``; before ``fit`` each
raises scikit-learn's ``NotFittedError``.
"""

from sklearn.utils.validation import check_is_fitted


class FittedAttributes:
    """``module_``, ``device_``, ``loss_curve_``, ``validation_scores_``, ``t_`` and kin."""

    @property
    def module_(self):
        """The trained ``torch.nn.Module``."""
        check_is_fitted(self)
        return self.net_.module_

    @property
    def device_(self):
        """The device the network lives on, as a string."""
        check_is_fitted(self)
        return str(self.net_.device)

    @property
    def loss_curve_(self):
        """Training loss of every epoch."""
        check_is_fitted(self)
        return [float(loss) for loss in self.net_.history[:, "train_loss"]]

    @property
    def loss_(self):
        """Training loss of the last epoch."""
        check_is_fitted(self)
        return self.loss_curve_[-1]

    @property
    def best_loss_(self):
        """Lowest training loss; None with ``early_stopping``."""
        check_is_fitted(self)
        return None if self.early_stopping else min(self.loss_curve_)

    @property
    def validation_scores_(self):
        """Validation score of every epoch, with ``early_stopping`` or ``X_val``; else None."""
        check_is_fitted(self)
        scores = [row["valid_score"] for row in self.net_.history if "valid_score" in row]
        return scores if scores or self.early_stopping else None

    @property
    def best_validation_score_(self):
        """Best validation score with ``early_stopping``, else None."""
        check_is_fitted(self)
        scores = self.validation_scores_
        return max(scores) if scores else None

    @property
    def t_(self):
        """Training samples seen by the optimizer over all calls."""
        check_is_fitted(self)
        return self.net_.samples_seen_
