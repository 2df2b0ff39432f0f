"""Bug: the L2 term left out of ∂Ĵ/∂Wᵐ.

The slip: with L2 regularisation the cost is Ĵ = (1/n) Σᵢ Cᵢ + (λ/2) Σₘ ‖Wᵐ‖², so the weight
gradient gains λWᵐ: ∂Ĵ/∂Wᵐ = (1/n) δᵐ (aᵐ⁻¹)ᵀ + λWᵐ. Without it the check agrees only when
λ = 0. Run it with some λ: ``bpstep check examples/grads_bug_missing_l2.py --l2 0.1``; the check
reports weight_grad wrong with the hint "missing L2 term".
"""


def weight_grad(delta, a_prev, n):
    return delta @ a_prev.T / n
