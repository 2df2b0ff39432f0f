"""Bug: a sum over the batch where the cost averages.

The slip: Ĵ is the mean of the per-sample costs, so its gradients are means too:
∂Ĵ/∂bᵐ = (1/n) Σᵢ δᵐᵢ. Summing gives n times the right value. ``bpstep check`` reports
bias_grad wrong with the hint "sum instead of mean".
"""


def bias_grad(delta):
    return delta.sum(axis=1, keepdims=True)
