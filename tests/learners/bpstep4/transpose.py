"""The one function I was unsure of (the others are bpstep's own).

Source: bpstep's README, "Checking your own gradients"; bpstep's examples/grads_bug_transpose.py.
Slip: aᵐ⁻¹ (δᵐ)ᵀ instead of δᵐ (aᵐ⁻¹)ᵀ: the transpose of ∂Ĵ/∂Wᵐ, shaped (n_{m−1}, n_m).
"""


def weight_grad(delta, a_prev, n):
    return a_prev @ delta.T / n
