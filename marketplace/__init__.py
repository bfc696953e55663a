"""The FairTradeWorker marketplace: an instrumented FastAPI service and its load generator."""
