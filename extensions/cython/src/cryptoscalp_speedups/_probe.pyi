import numpy as np
import numpy.typing as npt

def ema(x: npt.NDArray[np.float64], alpha: float) -> npt.NDArray[np.float64]: ...
