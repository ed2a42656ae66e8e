"""Branch deployments' lakes: cloned from production when a branch deployment starts, dropped when its
pull request closes."""
