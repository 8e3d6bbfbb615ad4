"""The backtests behind `bench/backtest.py`: replenishment timing, churn and offers on a time split."""
