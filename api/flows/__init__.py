"""Flow tests for support workers: conversations written in YAML, run against a running service.

    scenarios = load_scenarios([Path("tests/flows")], helpline_ids)   # ScenarioError: file:line
    results = run_all(Service(url, credentials), scenarios)           # one fresh chat each
    console_lines(result); write_junit(...); write_html(...)

`model` is the format (README, "Flow scenarios"), `loading` reads it with line numbers, `service`
talks to /chat, /sms/twilio and /staff/inspect, `checks` judges a turn, `runner` runs scenarios,
`reports` and `html_report` show the results. The command is `signpost flows` (api/cli/flows.py).
"""
