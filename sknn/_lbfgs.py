"""Full-batch training with scipy's L-BFGS-B, as scikit-learn's MLPs train with 'lbfgs'."""

import torch

from ._data import n_samples


def run_lbfgs(net, train, max_iter, batch_rows=False):
    """Minimise ``net``'s full-batch loss with scipy's L-BFGS-B; return the iterations.

    Parameters and gradients travel as one float64 vector; scipy applies its
    own stopping rules (``gtol=net.tol``, ``maxiter=max_iter``,
    ``maxfun=net.max_fun``). Each iteration becomes a row of the history,
    with one full-batch row in it when ``batch_rows``. Sets
    ``net.stop_message_`` and ``net.converged_``.

    Parameters
    ----------
    net : SknnNet
        An initialised net whose module is in the dtype of ``train``.
    train : tuple of (X, y, sample_weight)
        Tensors on the module's device.
    max_iter : int
        The most iterations.
    batch_rows : bool, default=False
        Record a per-batch row (the full batch) in each iteration's row.
    """
    from scipy.optimize import minimize

    X, y, w = train
    params = [p for p in net.module_.parameters() if p.requires_grad]
    net.module_.train()

    def loss_and_grad(theta):
        torch.nn.utils.vector_to_parameters(
            torch.from_numpy(theta).to(params[0].device), params)
        for param in params:
            param.grad = None
        loss = net.get_loss(net.infer(X), y, sample_weight=w) + net.penalty()
        loss.backward()
        grads = [torch.zeros_like(p) if p.grad is None else p.grad for p in params]
        return loss.item(), torch.nn.utils.parameters_to_vector(grads).cpu().numpy()

    losses = []
    result = minimize(
        loss_and_grad,
        torch.nn.utils.parameters_to_vector(params).detach().cpu().numpy(),
        method="L-BFGS-B", jac=True,
        callback=lambda intermediate_result: losses.append(intermediate_result.fun),
        options={"maxiter": max_iter, "maxfun": net.max_fun, "gtol": net.tol},
    )
    torch.nn.utils.vector_to_parameters(torch.from_numpy(result.x).to(params[0].device), params)
    net._finite(float(result.fun))
    rows = losses or [float(result.fun)]  # converged before a first iteration
    n = n_samples(X)
    for loss in rows:
        net.history.new_epoch()
        net.history.record("epoch", len(net.history))
        if batch_rows:
            net.history.new_batch()
            net.history.record_batch("train_loss", loss)
            net.history.record_batch("train_batch_size", n)
            net.history.record("train_batch_count", 1)
        net.history.record("train_loss", loss)
    net.samples_seen_ += len(rows) * n
    net.stop_message_ = f"L-BFGS-B: {result.message}"
    net.converged_ = bool(result.success)
    return len(rows)
