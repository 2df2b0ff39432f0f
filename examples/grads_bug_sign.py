"""Bug: the wrong sign in δᴸ.

The slip: for the quadratic cost C = ½‖a − y‖², ∂C/∂a = a − y, not y − a. With the sign flipped
every gradient points uphill. ``bpstep check`` reports output_delta wrong with the hint
"wrong sign".
"""


def sigmoid_prime(z):
    import numpy as np

    s = 1 / (1 + np.exp(-z))
    return s * (1 - s)


def output_delta(z, a, y):
    return (y - a) * sigmoid_prime(z)
