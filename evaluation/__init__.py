"""Evaluation: scoring rules, resumable batch runs, statistics, reports and label audits."""
