"""My weight gradient (the other functions are bpstep's own).

Source: bpstep's README, "Checking your own gradients"; bpstep's examples/grads_correct.py.
Slip: ∂Ĵ/∂Wᵐ built from the layer's own aᵐ instead of aᵐ⁻¹: shape (n_m, n_m).
"""


def weight_grad(delta, a, n):
    return delta @ a.T / n
