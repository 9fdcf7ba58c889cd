"""``distributed=True``: data-parallel training over a :mod:`torch.distributed` group.

The processes (ranks) are started and the group initialised by the user's
launcher (``torchrun``, ``accelerate launch``, Ray Train, Lightning); every
rank calls ``fit`` with the same data. This module holds what the training
loop needs: the group's ``(rank, world size)``, one seed for every rank, each
rank's share of a batch and the factor that makes the averaged gradients
those of the whole batch, and the epoch loss averaged over the ranks.
"""

import math

import torch

from ._data import batch_rows


def process_group(estimator):
    """``(rank, world_size)`` of the initialised group, for an estimator with ``distributed=True``.

    Raises a ``ValueError`` naming what is missing.
    """
    dist = torch.distributed
    if not dist.is_available() or not dist.is_initialized():
        raise ValueError(
            "distributed=True trains over an initialised torch.distributed process group, "
            "and there is none: start the processes with torchrun (or accelerate launch, "
            "Ray Train, Lightning) and call torch.distributed.init_process_group() before "
            "fit, or set distributed=False.")
    if estimator.solver == "lbfgs":
        raise ValueError("solver='lbfgs' minimises the full-batch loss in one process; "
                         "distributed=True needs a stochastic solver (e.g. 'adam').")
    return dist.get_rank(), dist.get_world_size()


def common_seed(seed, device):
    """Rank 0's ``seed`` on every rank: one permutation, one initialisation.

    The training ``device`` carries it where the backend needs a GPU (NCCL).
    """
    box = [seed]
    on_gpu = torch.distributed.get_backend() == "nccl"
    torch.distributed.broadcast_object_list(box, src=0, device=device if on_gpu else None)
    return box[0]


def check_batches(sizes, world, normalises):
    """Refuse batches with fewer rows than ranks (or than two per rank under batch norm)."""
    need = world * (2 if normalises else 1)
    if min(sizes) < need:
        raise ValueError(
            f"distributed=True over {world} processes splits every batch between them, and "
            f"this fit has a batch of {min(sizes)} rows: each process needs at least "
            f"{need // world} row{'s' if need > world else ''} of it"
            + (" (batch normalisation)" if normalises else "")
            + ". Use a larger batch_size or fewer processes.")


def shares(indexes, n, rank, world, sample_weight=None):
    """This rank's part of each batch index (every ``world``-th row from ``rank``), and the
    factor on its mean loss that makes the ranks' averaged gradient that of the whole batch.

    The loss of a part is its mean weighted by ``sample_weight``; the factor
    is ``world`` times the part's share of the batch's weight (of its rows,
    without weights).

    Examples
    --------
    >>> import torch
    >>> from sknn._distributed import shares
    >>> [(part.tolist(), scale) for part, scale in shares([torch.arange(5)], 5, 1, 2)]
    [([1, 3], 0.8)]
    >>> weights = torch.tensor([1.0, 3.0, 1.0, 3.0, 2.0])
    >>> [round(scale, 6) for _, scale in shares([torch.arange(5)], 5, 1, 2, weights)]
    [1.2]
    """
    for index in indexes:
        rows = batch_rows(index, n)
        part = rows[rank::world]
        if sample_weight is None:
            yield part, world * len(part) / len(rows)
        else:
            batch = sample_weight[rows.to(sample_weight.device)]
            yield part, world * float(batch[rank::world].sum() / batch.sum())


def mean_over_ranks(value, weight, device):
    """The weighted mean over the ranks of each rank's ``value`` (weighted by ``weight``)."""
    totals = torch.tensor([value * weight, weight], dtype=torch.float64, device=device)
    torch.distributed.all_reduce(totals)
    total, weights = totals.tolist()
    return total / weights if weights else math.nan


def wrap(module):
    """``module`` in ``DistributedDataParallel`` (which averages the gradients of a step)."""
    from torch.nn.parallel import DistributedDataParallel

    return DistributedDataParallel(module)
