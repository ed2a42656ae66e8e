"""Sample source systems of a retail company: landing-zone file drops and a simulated FX rates API."""
