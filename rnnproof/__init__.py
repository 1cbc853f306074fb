"""rnnproof: derive the gradient identities of recurrent networks in SymPy, check them
against finite differences on real RNN runs, and report them as LaTeX.

Layers (data flows one way): :mod:`rnnproof.derivations` (symbolic) ->
:mod:`rnnproof.numeric` (NumPy/mpmath) -> this package's CLI and report writer.
"""

import os as _os

# In a source checkout the two halves are the sibling folders derivations/ and numeric/;
# installed, they are real subpackages.  Let the checkout work without installing.
_root = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))
if _os.path.isdir(_os.path.join(_root, "derivations")) and not _os.path.isdir(
        _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "derivations")):
    __path__.append(_root)  # noqa: F821  (package __path__)

__version__ = "0.1.0"
__all__ = ["__version__"]
