"""The drills' pages: the drills held (records), starting one from a scenario and following it
as it plays (runs), and its report with the form that finishes it (reports)."""
