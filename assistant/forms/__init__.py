"""Forms people answer by email (the monthly check-in, the profile, the closing surveys): their questions
(form.py) and reading a person's answers out of a reply (answers.py)."""
