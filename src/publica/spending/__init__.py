"""Budgets, spending and public projects: what the council plans to spend, what it spent,
and how the works residents can see are going."""
