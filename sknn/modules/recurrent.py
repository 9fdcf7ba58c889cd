"""Recurrent networks (RNN, LSTM, GRU) over padded or fixed-length sequences."""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .layers import check_layer, dense_block, init_weights

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}

#: What an encoder-decoder feeds back of its previous output, by output activation.
OUTPUT_FEEDBACK = {
    "identity": lambda out: out,
    "softmax": lambda out: torch.softmax(out, dim=-1),
    "logistic": torch.sigmoid,
    "exp": torch.exp,
}


class RecurrentNet(nn.Module):
    """A recurrent encoder, an optional dense head and a linear output layer.

    The input is a batch of sequences ``x`` of shape ``(batch, steps,
    n_features)``. Sequences of different lengths come padded to a common
    number of steps, with their true ``lengths``; they are packed
    (:func:`torch.nn.utils.rnn.pack_padded_sequence`), so the padding never
    reaches the recurrent layers and a sequence's output does not depend on
    the other sequences of its batch.

    Parameters
    ----------
    n_features : int
        Features per time step.
    n_outputs : int
        Width of the output (logits or regression values), per sequence or,
        with ``return_sequences``, per time step.
    cell : {'rnn', 'lstm', 'gru'}, default='lstm'
        The recurrent layer: Elman (tanh), long short-term memory or gated
        recurrent unit.
    hidden_size : int, default=64
        Width of the recurrent state (per direction).
    num_layers : int, default=1
        Stacked recurrent layers.
    bidirectional : bool, default=False
        Also read each sequence backwards; the representation is the
        concatenation of both directions.
    return_sequences : bool, default=False
        False: one output per sequence, from the last hidden state (the
        state after each sequence's own last step; with ``bidirectional``,
        concatenated with the backward direction's state after the first
        step). True: one output per time step, of shape ``(batch, steps,
        n_outputs)``; padded steps are left zero before the head.
    hidden_layer_sizes : tuple of int, default=()
        Dense layers between the recurrent representation and the output.
    activation : str, default='relu'
        Activation of the dense layers, a key of :data:`sknn.modules.ACTIVATIONS`.
    dropout : float, default=0.0
        Dropout between stacked recurrent layers, on the recurrent
        representation, and after each dense activation.
    output_steps : int or None, default=None
        An int makes the network an encoder-decoder: the recurrent layers
        encode each sequence into their last state, and a recurrent
        ``decoder`` (same cell, as many layers, as wide as the encoder's
        directions together) started from that state emits
        ``output_steps`` outputs, ``(batch, output_steps, n_outputs)``.
        Each decoder step reads the previous step's output (through
        ``feedback``; zeros at the first step) and the encoding.
    feedback : {'identity', 'softmax', 'logistic', 'exp'}, default='identity'
        What the decoder feeds back of its previous output: the output
        activation, so that it reads probabilities or values, as in
        :data:`OUTPUT_FEEDBACK`.
    teacher_forcing : float, default=0.0
        Probability, for each training batch, that the decoder reads the
        true previous targets instead of its own outputs. The targets are
        set on :attr:`targets` before the batch (one-hot class codes or
        values); evaluation always feeds back the outputs.

    Examples
    --------
    >>> import torch
    >>> from sknn.modules import RecurrentNet
    >>> net = RecurrentNet(3, 2, cell="gru", hidden_size=8, hidden_layer_sizes=(5,))
    >>> x, lengths = torch.zeros(4, 6, 3), torch.tensor([6, 2, 3, 1])
    >>> net(x, lengths).shape, net.embed(x, lengths).shape, net.embed(x, layer=0).shape
    (torch.Size([4, 2]), torch.Size([4, 5]), torch.Size([4, 8]))
    >>> RecurrentNet(3, 1, return_sequences=True, hidden_size=8)(x, lengths).shape
    torch.Size([4, 6, 1])
    >>> seq2seq = RecurrentNet(3, 5, hidden_size=8, output_steps=7, feedback="softmax")
    >>> seq2seq(x, lengths).shape, seq2seq.embed(x, lengths, layer=0).shape
    (torch.Size([4, 7, 5]), torch.Size([4, 8]))
    """

    def __init__(self, n_features, n_outputs, cell="lstm", hidden_size=64, num_layers=1,
                 bidirectional=False, return_sequences=False, hidden_layer_sizes=(),
                 activation="relu", dropout=0.0, output_steps=None, feedback="identity",
                 teacher_forcing=0.0):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"Unknown cell {cell!r}; use one of {sorted(CELLS)}.")
        if output_steps is not None and return_sequences:
            raise ValueError("return_sequences and output_steps are exclusive: one output per "
                             "input step, or output_steps outputs after the whole sequence.")
        if feedback not in OUTPUT_FEEDBACK:
            raise ValueError(f"Unknown feedback {feedback!r}; use one of "
                             f"{sorted(OUTPUT_FEEDBACK)}.")
        self.cell = cell
        self.bidirectional = bidirectional
        self.return_sequences = return_sequences
        self.output_steps = output_steps
        self.n_outputs = n_outputs
        self.feedback = feedback
        self.teacher_forcing = teacher_forcing
        self.targets = None
        self.rnn = CELLS[cell](n_features, hidden_size, num_layers=num_layers, batch_first=True,
                               dropout=dropout if num_layers > 1 else 0.0,
                               bidirectional=bidirectional)
        width = hidden_size * (2 if bidirectional else 1)
        if output_steps is not None:
            self.decoder = CELLS[cell](n_outputs + width, width, num_layers=num_layers,
                                       batch_first=True,
                                       dropout=dropout if num_layers > 1 else 0.0)
        widths = [width, *hidden_layer_sizes]
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()
        self.head = nn.ModuleList(
            dense_block(n_in, n_out, activation, dropout)
            for n_in, n_out in zip(widths[:-1], widths[1:])
        )
        self.output = nn.Linear(widths[-1], n_outputs)
        # Dense layers get scikit-learn's initialisation and recurrent ones keep
        # torch's, except with SELU, which is LeCun normal throughout.
        init_weights(self, "auto", activation)

    def encode(self, x, lengths=None):
        """The recurrent representation, before dropout and head.

        Returns ``(batch, width)``, the last hidden state of the top layer
        (both directions concatenated), or with ``return_sequences`` the top
        layer's output at every step, ``(batch, steps, width)``, zero at
        padded steps. ``width`` is ``hidden_size`` times the directions.
        """
        return self._run_encoder(x, lengths)[0]

    def _run_encoder(self, x, lengths):
        """``(representation, state)``: :meth:`encode`'s value and the final state."""
        if lengths is None:
            output, state = self.rnn(x)
        else:
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True,
                                          enforce_sorted=False)
            output, state = self.rnn(packed)
            if self.return_sequences:
                output, _ = pad_packed_sequence(output, batch_first=True,
                                                total_length=x.shape[1])
        if self.return_sequences:
            return output, state
        hidden = state[0] if isinstance(state, tuple) else state  # LSTM: (h, c)
        if self.bidirectional:
            return torch.cat([hidden[-2], hidden[-1]], dim=1), state
        return hidden[-1], state

    def forward(self, x, lengths=None):
        if self.output_steps is not None:
            return self._decode(*self._run_encoder(x, lengths))
        h = self.dropout(self.encode(x, lengths))
        for block in self.head:
            h = block(h)
        return self.output(h)

    def _decoder_state(self, state):
        """The encoder's final state, both directions of a layer side by side."""
        if not self.bidirectional:
            return state
        if isinstance(state, tuple):
            return tuple(self._decoder_state(part) for part in state)
        layers2, batch, hidden = state.shape
        return state.reshape(layers2 // 2, 2, batch, hidden).permute(0, 2, 1, 3).reshape(
            layers2 // 2, batch, 2 * hidden)

    def _teacher_inputs(self, batch):
        """The true outputs to feed back in this training batch, or None."""
        targets = self.targets
        if not self.training or targets is None or len(targets) != batch or \
                not self.teacher_forcing or \
                (self.teacher_forcing < 1 and float(torch.rand(())) >= self.teacher_forcing):
            return None
        if not targets.is_floating_point():  # class codes
            if self.n_outputs == 1:
                return targets[..., None].float()
            return nn.functional.one_hot(targets.clamp_min(0), self.n_outputs).float()
        return targets.reshape(batch, self.output_steps, self.n_outputs)

    def _decode(self, code, state, layer=None):
        """``(batch, output_steps, n_outputs)``; with ``layer``, that head layer's outputs."""
        state = self._decoder_state(state)
        batch = code.shape[0]
        teacher = self._teacher_inputs(batch)
        previous = code.new_zeros(batch, self.n_outputs)
        steps = []
        for step in range(self.output_steps):
            output, state = self.decoder(torch.cat([previous, code], dim=1)[:, None], state)
            h = self.dropout(output[:, 0])
            kept = h if layer == 0 else None
            for i, block in enumerate(self.head, start=1):
                h = block(h)
                if i == layer:
                    kept = h
            out = self.output(h)  # the whole head: the next step reads this output
            steps.append(out if layer is None else kept)
            previous = teacher[:, step] if teacher is not None else \
                OUTPUT_FEEDBACK[self.feedback](out)
        return torch.stack(steps, dim=1)

    def embed(self, x, lengths=None, layer=-1):
        """A hidden representation of each sequence (or step).

        Layer 0 is the recurrent representation (see :meth:`encode`); layers
        1, 2, ... are the outputs of the dense head's layers. ``layer=-1``
        is the last of them: the head's last layer, or the recurrent
        representation when there is no head. With ``output_steps``, layer
        0 is the encoding ``(batch, width)`` and the head's layers have one
        output per decoder step, ``(batch, output_steps, width)``.
        """
        layer = check_layer(layer, 1 + len(self.head),
                            "hidden layers (the recurrent representation and the dense head)")
        if self.output_steps is not None and layer > 0:
            return self._decode(*self._run_encoder(x, lengths), layer=layer)
        h = self.encode(x, lengths)
        for block in self.head[:layer]:
            h = block(h)
        return h


class MaskedStepLoss(nn.Module):
    """A per-step loss averaged over each sequence's real (unpadded) steps.

    ``output`` has shape ``(batch, steps, k)``; ``target`` is either float
    ``(batch, steps, k)`` with NaN at padded steps, or integer class codes
    ``(batch, steps)`` with -1 at padded steps. ``step_loss`` is a
    per-sample loss (``(rows, k), (rows, ...) -> (rows,)``); the result has
    one value per sequence.

    Examples
    --------
    >>> import torch
    >>> from sknn.modules import HalfSquaredError, MaskedStepLoss
    >>> target = torch.tensor([[[1.0], [float("nan")]]])
    >>> MaskedStepLoss(HalfSquaredError())(torch.zeros(1, 2, 1), target)
    tensor([0.5000])
    """

    def __init__(self, step_loss):
        super().__init__()
        self.step_loss = step_loss

    def forward(self, output, target):
        batch, steps = output.shape[:2]
        output = output.reshape(batch * steps, -1)
        if target.is_floating_point():
            target = target.reshape(batch * steps, -1)
            valid = ~torch.isnan(target).any(1)
            target = torch.nan_to_num(target, nan=0.0)
        else:
            target = target.reshape(batch * steps)
            valid = target >= 0
            target = target.clamp_min(0)
        valid = valid.reshape(batch, steps)
        loss = self.step_loss(output, target).reshape(batch, steps) * valid
        return loss.sum(1) / valid.sum(1).clamp_min(1)
