"""The shipped scenario files, installed with flowsim (read them through flowsim.shipped)."""
