"""sla: the deadlines. Pure: working time (working_time.py), the clocks of a case (deadlines.py), the
escalation steps and who receives them (escalation.py) and the plan of a case at a moment (plan.py):
these import nothing that does I/O. Then the I/O: firing due alert steps exactly once (alerts.py) and
the scheduled sweep over the due index (sweep.py). May import notify, store, model, runtime."""
