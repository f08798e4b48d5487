"""Frameworks, Agenda for Change pay and progression rules: pure Python, standard library only."""
