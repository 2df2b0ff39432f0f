"""Bug: L2 regularisation on the biases.

The slip: the L2 penalty (λ/2) Σₘ ‖Wᵐ‖² covers the weights only, so ∂Ĵ/∂bᵐ has no λ term.
``bpstep check examples/grads_bug_l2_bias.py`` reports bias_grad wrong with the hint
"L2 on biases" (slip l2_on_bias): bias_grad reads l2, so the check also runs it at λ = 0.1.
"""


def bias_grad(delta, b, l2):
    return delta.mean(axis=1, keepdims=True) + l2 * b
