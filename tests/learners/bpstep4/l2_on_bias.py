"""My bias gradient with L2 (the other functions are bpstep's own).

Source: bpstep's README, "Checking your own gradients"; bpstep's examples/grads_bug_l2_bias.py.
Slip: λbᵐ added to ∂Ĵ/∂bᵐ; the L2 term (λ/2) Σₘ ‖Wᵐ‖² covers weights only. It shows only where
λ ≠ 0 and bᵐ ≠ 0 (with b = 0 at initialisation it passes).
"""


def bias_grad(delta, b, l2):
    return delta.mean(axis=1, keepdims=True) + l2 * b
