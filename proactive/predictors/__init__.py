"""One module per predictor; each scores every customer in bulk and returns candidates with a reason."""
