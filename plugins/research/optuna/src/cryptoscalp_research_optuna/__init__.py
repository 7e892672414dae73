"""Walk-forward hyperparameter search for cryptoscalp profiles with Optuna (``cryptoscalp optimize``)."""
