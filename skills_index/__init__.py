"""Expertise index and expert recommender trained on resolution history. Does not import bot/."""
