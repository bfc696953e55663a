"""FTW Observe: SLOs, error budgets and burn-rate alerts for the FairTradeWorker marketplace."""

__version__ = "0.1.0"
