"""The pilots service's pollers: processes that act on time, not on a message — the scheduled
checks (tasks due and overdue, idle cases) and the retention of ended cases."""
