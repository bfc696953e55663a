"""The SLO engine: evaluates budgets on a schedule, keeps alert state, feeds the outbox."""
