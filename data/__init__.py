"""Reference data shipped with flowsim (read it through flowsim.shipped)."""
