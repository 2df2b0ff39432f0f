"""Bug: δᵐ without f′(zᵐ).

The slip: writing δᵐ = (Wᵐ⁺¹)ᵀ δᵐ⁺¹ and forgetting that the error passes back through the
activation, so the chain rule needs ∂aᵐ/∂zᵐ = f′(zᵐ): δᵐ = f′(zᵐ) ⊙ (Wᵐ⁺¹)ᵀ δᵐ⁺¹.
``bpstep check`` reports hidden_delta wrong at every hidden layer, with the hint "missing f′(z)".
"""


def hidden_delta(W_next, delta_next):
    return W_next.T @ delta_next
