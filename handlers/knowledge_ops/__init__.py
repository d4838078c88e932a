"""Policy answers and the knowledge staff keep: asking, unanswered questions and FAQ entries."""
