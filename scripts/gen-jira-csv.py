#!/usr/bin/env python3
"""Writes a Jira CSV export of N issues (default 10,000) to stdout, shaped
like tests/fixtures/import/jira.csv: repeated Labels, Sprint, Watchers and
Comment columns, Story Points, Parent id / Epic Link, Blocks links, and
`11/May/24 3:26 PM` times. One epic per 50 issues; every fifth story is
blocked by the one before it. Deterministic (no randomness)."""
import csv
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
cols = ["Summary", "Issue key", "Issue id", "Parent id", "Issue Type", "Status", "Project key", "Priority",
        "Assignee", "Reporter", "Created", "Resolved", "Due Date", "Labels", "Labels", "Sprint", "Sprint",
        "Watchers", "Watchers", "Description", "Custom field (Story Points)", "Custom field (Epic Link)",
        "Inward issue link (Blocks)", "Outward issue link (Blocks)", "Comment", "Comment"]
statuses = ["To Do", "In Progress", "In Review", "Done"]
prios = ["Highest", "High", "Medium", "Low", "Lowest"]
people = ["ana", "ben", "carol", "dan", "erin"]
months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def when(i):
    return f"{1 + i % 28:02d}/{months[i % 12]}/24 {1 + i % 12}:{i % 60:02d} {'AM' if i % 2 else 'PM'}"


w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(cols)
epic = None
for i in range(1, n + 1):
    key = f"BIG-{i}"
    if i % 50 == 1:
        epic = key
        w.writerow([f"Epic {i // 50 + 1}: area {i}", key, 10_000 + i, "", "Epic", statuses[i % 4], "BIG", prios[i % 5],
                    people[i % 5], people[(i + 1) % 5], when(i), "", "", "area", "", "", "", "", "",
                    f"Epic number {i // 50 + 1}.", "", "", "", "", "", ""])
        continue
    blocked_by = f"BIG-{i - 1}" if i % 5 == 0 and (i - 1) % 50 != 1 else ""
    w.writerow([f"Story {i}, with a comma and \"quotes\"", key, 10_000 + i, "", "Story", statuses[i % 4], "BIG",
                prios[i % 5], people[i % 5], people[(i + 2) % 5], when(i), when(i + 3) if i % 4 == 3 else "",
                "", f"team-{i % 7}", "backend" if i % 2 else "", f"BIG Sprint {i % 10}", f"BIG Sprint {i % 10 + 1}",
                people[i % 5], "", f"As a user I want story {i}\nso that the backlog is big.", i % 8 + 1, epic,
                blocked_by, "", f"{when(i + 1)};557058:{i:06x};First comment; with a semicolon", ""])
