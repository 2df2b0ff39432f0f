"""Bug: the missing transpose in ∂Ĵ/∂Wᵐ.

The slip: ∂Ĵ/∂Wᵐ = (1/n) δᵐ (aᵐ⁻¹)ᵀ needs the transpose of aᵐ⁻¹ to come out shaped like Wᵐ
(n_m × n_{m−1}); writing aᵐ⁻¹ δᵐᵀ instead gives its transpose. ``bpstep check`` reports the
wrong shape, what was expected, and the hint "a missing or extra transpose".
"""


def weight_grad(delta, a_prev, n):
    return a_prev @ delta.T / n
