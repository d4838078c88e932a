"""Pre-applications and their review: loans (with the 预审 eligibility rules) and training sign-ups."""
